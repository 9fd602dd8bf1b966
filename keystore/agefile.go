package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/systembruker/systembruker/internal/atomicfile"
)

func encrypt(plain []byte, r age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decrypt(ciphertext []byte, id age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), id)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// identityPath is the File backend's store identity, encrypted with the
// passphrase.
func (s *Store) identityPath() string { return filepath.Join(s.dir, reservedName+".age") }

// fileIdentity returns the File backend's X25519 identity, creating
// identity.age on first use. WHY one identity instead of encrypting every
// file with the passphrase: scrypt is deliberately slow (about a second), so
// we pay it once per Store and every secret file is a fast X25519 decryption.
func (s *Store) fileIdentity() (*age.X25519Identity, error) {
	s.unlockOnce.Do(func() { s.storeID, s.unlockErr = s.unlock() })
	return s.storeID, s.unlockErr
}

// Unlock asks for the file store's passphrase now instead of on first use,
// so that a full-screen UI can own the terminal afterwards. It does nothing
// for the keychain backend, which never prompts.
func (s *Store) Unlock() error {
	if s.backend != File {
		return nil
	}
	_, err := s.fileIdentity()
	return err
}

func (s *Store) unlock() (*age.X25519Identity, error) {
	ct, err := os.ReadFile(s.identityPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	pass, err := s.passphrase()
	if err != nil {
		return nil, fmt.Errorf("passphrase for the encrypted key store: %w", err)
	}
	if len(pass) == 0 {
		return nil, errors.New("the passphrase for the encrypted key store is empty: type one, or set SYSTEMBRUKER_PASSPHRASE")
	}
	if ct == nil {
		return s.createIdentity(string(pass))
	}
	return s.openIdentity(ct, string(pass))
}

func (s *Store) openIdentity(ct []byte, pass string) (*age.X25519Identity, error) {
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	plain, err := decrypt(ct, sid)
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return nil, fmt.Errorf("%w %s: type it again (it was set when the store was created)", ErrWrongPassphrase, s.identityPath())
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.identityPath(), err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(plain)))
	if err != nil {
		return nil, fmt.Errorf("%s does not hold an age identity: %w", s.identityPath(), err)
	}
	return id, nil
}

func (s *Store) createIdentity(pass string) (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	if s.scryptLogN > 0 {
		r.SetWorkFactor(s.scryptLogN)
	}
	ct, err := encrypt([]byte(id.String()+"\n"), r)
	if err != nil {
		return nil, err
	}
	err = writeExclusive(s.identityPath(), ct)
	if errors.Is(err, fs.ErrExist) {
		// Another process created the store first; use its identity, or
		// our secrets would be unreadable to it and vice versa.
		ct, err := os.ReadFile(s.identityPath())
		if err != nil {
			return nil, err
		}
		return s.openIdentity(ct, pass)
	}
	if err != nil {
		return nil, err
	}
	return id, nil
}

// FileStoreExists reports whether the File backend's identity.age exists, so
// a caller can ask for a new passphrase twice (to confirm it) but an existing
// one once.
func (s *Store) FileStoreExists() bool {
	_, err := os.Stat(s.identityPath())
	return err == nil
}

// writeExclusive creates path (0600) atomically, failing with fs.ErrExist
// if it is already there, so two processes never overwrite each other.
func writeExclusive(path string, data []byte) error { return atomicfile.Create(path, data, 0o600) }

func writeFile(path string, data []byte) error { return atomicfile.Write(path, data, 0o600) }

// removeFile removes path; a missing file is fine.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
