package keystore

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
)

// Backend selects where secrets are kept.
type Backend string

const (
	Keychain Backend = "keychain" // default
	File     Backend = "file"     // opt-in passphrase-encrypted age files
)

// Options configure a Store.
type Options struct {
	Dir        string                 // folder for metadata and encrypted files, e.g. <XDG data>/systembruker/keys; created 0700
	Backend    Backend                // "" means Keychain
	Service    string                 // keychain service name; "" means "systembruker". Tests use unique names.
	Passphrase func() ([]byte, error) // File backend only; called at most once per Store, lazily
	Timeout    time.Duration          // per keychain call; 0 means 3s
}

// Storage says where a key's private part is kept.
type Storage string

const (
	InKeychain     Storage = "keychain"
	InKeychainFile Storage = "keychain+age-file" // age file whose identity is in the keychain
	InFile         Storage = "age-file"          // File backend
)

// CertInfo describes the certificate (virksomhetssertifikat) a key came with.
type CertInfo struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	OrgNo    string    `json:"org_no,omitempty"` // from subject serialNumber or organizationIdentifier "NTRNO-<orgno>"
	NotAfter time.Time `json:"not_after"`
	// NotBefore is when the certificate starts to be valid: a renewed
	// virksomhetssertifikat may be imported before that day.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// Info is a key's non-secret metadata, persisted as <Dir>/<name>.json (0600)
// together with the public JWK.
type Info struct {
	Name        string     `json:"name"`
	KID         string     `json:"kid"`
	Bits        int        `json:"bits"`
	Created     time.Time  `json:"created"`
	Storage     Storage    `json:"storage"`
	Expires     *time.Time `json:"expires,omitempty"` // earliest of cert NotAfter and a recorded Maskinporten exp
	Certificate *CertInfo  `json:"certificate,omitempty"`
	// Problem is set, by List only, on a key that cannot be used.
	Problem *Problem `json:"problem,omitempty"`
}

// Key is a loaded key pair.
type Key struct {
	Info
	Private *rsa.PrivateKey
	Chain   []*x509.Certificate // leaf first; empty for plain keys
}

// Sentinel errors; match them with errors.Is. The errors returned carry a
// message naming the key or account and what to do next.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrWrongPassword: the .p12 password is wrong. Callers that know the
	// file name should say "wrong password for <file>".
	ErrWrongPassword = errors.New("wrong password for the .p12 file")
	// ErrWrongPassphrase: the File backend's passphrase does not open identity.age.
	ErrWrongPassphrase = errors.New("wrong passphrase for the encrypted key store")
)

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

type existsError struct{ name string }

func (e *existsError) Error() string {
	return fmt.Sprintf("a key named %q already exists: pick another name, or delete it first with `systembruker keys delete %s`", e.name, e.name)
}
func (e *existsError) Is(target error) bool { return target == ErrExists }

func keyNotFound(name string) error {
	return &notFoundError{fmt.Sprintf("no key named %s: see `systembruker keys list`", name)}
}

const (
	defaultService = "systembruker"
	defaultTimeout = 3 * time.Second
	// maxKeychainValue is the largest secret stored directly in the keychain.
	// WHY 2000: it fits Windows (2,560 bytes) and macOS (about 3,000 minus the
	// service and account names, after base64) with room to spare, and using
	// one number everywhere keeps behaviour the same, and testable, on Linux.
	maxKeychainValue = 2000
)

// Store holds keys and secrets under one folder and keychain service. It is
// safe for concurrent use.
type Store struct {
	dir        string
	backend    Backend
	service    string
	timeout    time.Duration
	passphrase func() ([]byte, error)

	// kc is the keychain; tests replace it only to simulate a hung keychain.
	kc keychain
	// scryptLogN is the work factor for a new identity.age; 0 means age's
	// default. Tests lower it because scrypt under -race is very slow.
	scryptLogN int

	unlockOnce sync.Once
	storeID    *age.X25519Identity
	unlockErr  error
}

// Open returns a Store. It is cheap: it checks the options but touches
// neither the keychain nor the passphrase; both are used on first need.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("keystore: Options.Dir is empty")
	}
	s := &Store{
		dir:        opts.Dir,
		backend:    opts.Backend,
		service:    opts.Service,
		timeout:    opts.Timeout,
		passphrase: opts.Passphrase,
		kc:         osKeychain{},
	}
	switch s.backend {
	case "":
		s.backend = Keychain
	case Keychain:
	case File:
		if s.passphrase == nil {
			return nil, errors.New("keystore: the file backend needs a passphrase source (Options.Passphrase)")
		}
	default:
		return nil, fmt.Errorf("unknown key store %q: use \"keychain\" (the OS keychain) or \"file\" (passphrase-encrypted files)", opts.Backend)
	}
	if s.service == "" {
		s.service = defaultService
	}
	if s.timeout <= 0 {
		s.timeout = defaultTimeout
	}
	return s, nil
}

// Dir returns the folder the Store keeps metadata and encrypted files in,
// e.g. for ScanForPrivateKeys in other packages' tests.
func (s *Store) Dir() string { return s.dir }

// Backend returns the Store's backend (never "").
func (s *Store) Backend() Backend { return s.backend }

// reservedName is the File backend's identity file (<Dir>/identity.age); a
// key of that name would overwrite it. Compared case-insensitively because
// macOS and Windows file systems are.
const reservedName = "identity"

// ValidName reports whether name can name a key: letters, digits, '.', '_'
// and '-', 1 to 64 characters, starting with a letter or digit. WHY so
// strict: the name becomes a file name and a keychain account on three OSes.
func ValidName(name string) error {
	if name == "" {
		return errors.New("key name is empty: give one with --name (letters, digits, . _ -)")
	}
	if len(name) > 64 {
		return fmt.Errorf("a key name is at most 64 characters; this one is %d", len(name))
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if i == 0 && !alnum {
			return fmt.Errorf("key name %q must start with a letter or digit", name)
		}
		if !alnum && r != '.' && r != '_' && r != '-' {
			return fmt.Errorf("key name %q may only contain letters, digits, '.', '_' and '-'", name)
		}
	}
	if strings.EqualFold(name, reservedName) {
		return fmt.Errorf("key name %q is reserved for the encrypted file store: pick another", name)
	}
	return nil
}
