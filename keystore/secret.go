package keystore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unicode"
	"unicode/utf8"
)

// secretSlot places a small secret. Account names may hold characters that
// are awkward in file names (scopes contain ':' and '/'), so files are named
// by a hash. Keychain-mode and File-mode files differ in name because they
// are encrypted to different identities.
func (s *Store) secretSlot(account string) slot {
	sum := sha256.Sum256([]byte(account))
	base := hex.EncodeToString(sum[:16])
	ext := ".keychain.age"
	if s.backend == File {
		ext = ".age"
	}
	return slot{
		label:    fmt.Sprintf("secret %q", account),
		item:     "secret:" + account,
		identity: "secret-identity:" + account,
		file:     filepath.Join(s.dir, "secrets", base+ext),
	}
}

func validAccount(account string) error {
	if account == "" || len(account) > 200 || !utf8.ValidString(account) {
		return fmt.Errorf("secret account %q must be 1 to 200 bytes of UTF-8", account)
	}
	for _, r := range account {
		if unicode.IsControl(r) {
			return fmt.Errorf("secret account %q contains a control character", account)
		}
	}
	return nil
}

// secretStorage says where an existing secret in keychain mode is. It looks
// at the file system only, so it never costs a keychain call.
func (s *Store) secretStorage(sl slot) Storage {
	if s.backend == File {
		return InFile
	}
	if _, err := os.Lstat(sl.file); err == nil {
		return InKeychainFile
	}
	return InKeychain
}

// SetSecret stores value under account, replacing any earlier value. Values
// longer than 2000 bytes go to an age file whose identity is in the keychain,
// as for keys; in File mode every value is an age file.
func (s *Store) SetSecret(account string, value []byte) error {
	if err := validAccount(account); err != nil {
		return err
	}
	sl := s.secretSlot(account)
	old := s.secretStorage(sl)
	st := s.storageFor(len(value))
	if err := s.put(sl, st, value); err != nil {
		return err
	}
	switch {
	case old == InKeychainFile && st == InKeychain:
		return s.remove(sl, InKeychainFile)
	case st == InKeychainFile:
		// An earlier small value may sit in the keychain item.
		return s.kcDelete(sl.item)
	}
	return nil
}

// GetSecret returns the value stored under account, or an error matching
// ErrNotFound if there is none.
func (s *Store) GetSecret(account string) ([]byte, error) {
	if err := validAccount(account); err != nil {
		return nil, err
	}
	sl := s.secretSlot(account)
	v, err := s.get(sl, s.secretStorage(sl))
	if errors.Is(err, errSecretGone) {
		return nil, &notFoundError{fmt.Sprintf("no secret stored for %q", account)}
	}
	return v, err
}

// DeleteSecret removes the secret stored under account. Deleting a secret
// that does not exist is not an error, so callers can clear caches blindly.
func (s *Store) DeleteSecret(account string) error {
	if err := validAccount(account); err != nil {
		return err
	}
	sl := s.secretSlot(account)
	st := s.secretStorage(sl)
	if st == InKeychainFile {
		if err := s.remove(sl, InKeychainFile); err != nil {
			return err
		}
		st = InKeychain // a stray small value may also exist
	}
	return s.remove(sl, st)
}
