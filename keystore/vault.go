package keystore

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
)

// slot names the places one secret may live: a keychain item for the value
// itself, a keychain item for the age identity of a file that is too big for
// the keychain, and that file.
type slot struct {
	label    string // for messages, e.g. `key "prod"`
	item     string // keychain account of the value
	identity string // keychain account of the file's age identity
	file     string // age file
}

// storageFor says where a value of n bytes goes with this Store's backend.
func (s *Store) storageFor(n int) Storage {
	switch {
	case s.backend == File:
		return InFile
	case n > maxKeychainValue:
		return InKeychainFile
	default:
		return InKeychain
	}
}

// put stores value at sl in the given storage (from storageFor).
func (s *Store) put(sl slot, st Storage, value []byte) error {
	switch st {
	case InKeychain:
		return s.kcSet(sl.item, value)
	case InKeychainFile:
		// WHY a fresh identity per secret: deleting the keychain item
		// then makes the file undecryptable even if a copy survives.
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return err
		}
		ct, err := encrypt(value, id.Recipient())
		if err != nil {
			return err
		}
		if err := s.kcSet(sl.identity, []byte(id.String())); err != nil {
			return err
		}
		if err := writeFile(sl.file, ct); err != nil {
			s.kcDelete(sl.identity)
			return err
		}
		return nil
	case InFile:
		id, err := s.fileIdentity()
		if err != nil {
			return err
		}
		ct, err := encrypt(value, id.Recipient())
		if err != nil {
			return err
		}
		return writeFile(sl.file, ct)
	}
	return fmt.Errorf("%s: unknown storage %q", sl.label, st)
}

// errSecretGone means the secret's keychain item or file is missing.
var errSecretGone = errors.New("secret missing")

// get reads the value at sl. A missing item or file gives errSecretGone.
func (s *Store) get(sl slot, st Storage) ([]byte, error) {
	switch st {
	case InKeychain:
		v, err := s.kcGet(sl.item)
		if errors.Is(err, errKeychainMissing) {
			return nil, errSecretGone
		}
		return v, err
	case InKeychainFile:
		v, err := s.kcGet(sl.identity)
		if errors.Is(err, errKeychainMissing) {
			return nil, errSecretGone
		}
		if err != nil {
			return nil, err
		}
		id, err := age.ParseX25519Identity(strings.TrimSpace(string(v)))
		if err != nil {
			return nil, fmt.Errorf("%s: the keychain item %q does not hold an age identity", sl.label, sl.identity)
		}
		return s.readFile(sl, id)
	case InFile:
		if s.passphrase == nil {
			return nil, fmt.Errorf("%s is in the encrypted file store: use --keystore file", sl.label)
		}
		id, err := s.fileIdentity()
		if err != nil {
			return nil, err
		}
		return s.readFile(sl, id)
	}
	return nil, fmt.Errorf("%s: unknown storage %q", sl.label, st)
}

func (s *Store) readFile(sl slot, id age.Identity) ([]byte, error) {
	ct, err := os.ReadFile(sl.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errSecretGone
	}
	if err != nil {
		return nil, err
	}
	v, err := decrypt(ct, id)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot decrypt %s (was it replaced or damaged?): %w", sl.label, sl.file, err)
	}
	return v, nil
}

// remove deletes everything at sl; parts already gone are fine. The identity
// goes first so that even if removing the file fails, it is unreadable.
func (s *Store) remove(sl slot, st Storage) error {
	switch st {
	case InKeychain:
		return s.kcDelete(sl.item)
	case InKeychainFile:
		if err := s.kcDelete(sl.identity); err != nil {
			return err
		}
		return removeFile(sl.file)
	case InFile:
		return removeFile(sl.file)
	}
	return fmt.Errorf("%s: unknown storage %q", sl.label, st)
}
