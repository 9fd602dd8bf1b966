package keystore

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// record is the metadata file <Dir>/<name>.json. It holds only public data.
type record struct {
	Info
	// MaskinportenExpires is the key's exp as registered at Digdir; kept
	// apart from Info.Expires, which also folds in the certificate.
	MaskinportenExpires *time.Time `json:"maskinporten_expires,omitempty"`
	// JWK is the public key, decoded only where it is used (PublicJWK):
	// decoding it on every Info cost a quarter of a millisecond in a cold
	// process, on the path of the benchmarked token command.
	JWK json.RawMessage `json:"jwk"`
	// Pending marks a key whose secret is not (known to be) stored yet.
	Pending bool `json:"pending,omitempty"`
}

// publicJWK decodes the record's public key.
func (r *record) publicJWK() (jose.JSONWebKey, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(r.JWK); err != nil {
		return k, err
	}
	if _, ok := k.Key.(*rsa.PublicKey); !ok {
		return k, errors.New("not an RSA public key")
	}
	return k, nil
}

// matches reports whether priv is the private half of the record's public
// key, by its modulus, without decoding the whole JWK.
func (r *record) matches(priv *rsa.PrivateKey) bool {
	var pub struct{ Kty, N string }
	if json.Unmarshal(r.JWK, &pub) != nil || pub.Kty != "RSA" {
		return false
	}
	return pub.N == base64.RawURLEncoding.EncodeToString(priv.N.Bytes())
}

func (s *Store) metaPath(name string) string { return filepath.Join(s.dir, name+".json") }

func (s *Store) keySlot(name string) slot {
	return slot{
		label:    fmt.Sprintf("key %q", name),
		item:     "key:" + name,
		identity: "key-identity:" + name,
		file:     filepath.Join(s.dir, name+".age"),
	}
}

// Generate creates an RSA key pair of bits (0 means 2048; 2048, 3072 or 4096)
// and stores it under name. The kid is the key's RFC 7638 thumbprint.
func (s *Store) Generate(name string, bits int) (Info, error) {
	if bits == 0 {
		bits = minBits
	}
	if bits < minBits {
		return Info{}, fmt.Errorf("%d bits: %w", bits, errSmallKey)
	}
	if bits != 2048 && bits != 3072 && bits != 4096 {
		return Info{}, fmt.Errorf("%d bits: choose 2048, 3072 or 4096", bits)
	}
	if err := s.checkNew(name); err != nil {
		return Info{}, err
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return Info{}, err
	}
	return s.add(name, priv, nil, "")
}

// ImportPEM stores a PKCS#1 or PKCS#8 RSA private key, which may come with
// CERTIFICATE blocks (the chain, in any order).
func (s *Store) ImportPEM(name string, data []byte) (Info, error) {
	if err := s.checkNew(name); err != nil {
		return Info{}, err
	}
	priv, chain, err := parsePEM(data)
	if err != nil {
		return Info{}, err
	}
	return s.add(name, priv, chain, "")
}

// ImportJWK stores a private RSA JWK. It keeps the JWK's kid, if it has one,
// because that kid may already be registered at Maskinporten.
func (s *Store) ImportJWK(name string, data []byte) (Info, error) {
	if err := s.checkNew(name); err != nil {
		return Info{}, err
	}
	priv, chain, kid, err := parseJWK(data)
	if err != nil {
		return Info{}, err
	}
	return s.add(name, priv, chain, kid)
}

// ImportP12 stores the key and certificate chain of a PKCS#12 file, such as
// a virksomhetssertifikat. A wrong password gives ErrWrongPassword.
func (s *Store) ImportP12(name string, data []byte, password string) (Info, error) {
	if err := s.checkNew(name); err != nil {
		return Info{}, err
	}
	priv, chain, err := parseP12(data, password)
	if err != nil {
		return Info{}, err
	}
	return s.add(name, priv, chain, "")
}

// checkNew fails early, before a slow key generation or a prompt, if name is
// invalid or taken. add checks again, atomically.
func (s *Store) checkNew(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if _, err := os.Lstat(s.metaPath(name)); err == nil {
		return &existsError{name}
	}
	return nil
}

// add stores a parsed key. The metadata is created first, exclusively and
// marked pending, so that two processes adding the same name cannot
// overwrite each other's keychain item; then the secret is stored, and only
// then is the mark removed. A process killed in between (a stalled keyring)
// leaves a pending key, which every reader refuses as incomplete and
// `keys delete` cleans up. If storing the secret fails, the metadata is
// removed again.
func (s *Store) add(name string, priv *rsa.PrivateKey, chain []*x509.Certificate, kid string) (Info, error) {
	secret, err := encodeSecret(priv, chain)
	if err != nil {
		return Info{}, err
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig", Certificates: chain}
	if jwk.KeyID == "" {
		if jwk.KeyID, err = thumbprint(jwk); err != nil {
			return Info{}, err
		}
	}
	rec := record{
		Info: Info{
			Name:    name,
			KID:     jwk.KeyID,
			Bits:    priv.N.BitLen(),
			Created: time.Now().UTC().Truncate(time.Second),
			Storage: s.storageFor(len(secret)),
		},
	}
	if rec.JWK, err = jwk.MarshalJSON(); err != nil {
		return Info{}, err
	}
	if len(chain) > 0 {
		rec.Certificate = certInfo(chain[0])
	}
	rec.setExpires()
	if rec.Storage == InFile {
		// Unlock first, so a wrong passphrase leaves nothing behind.
		if _, err := s.fileIdentity(); err != nil {
			return Info{}, err
		}
	}
	rec.Pending = true
	meta, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return Info{}, err
	}
	if err := writeExclusive(s.metaPath(name), append(meta, '\n')); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Info{}, &existsError{name}
		}
		return Info{}, err
	}
	if err := s.put(s.keySlot(name), rec.Storage, secret); err != nil {
		os.Remove(s.metaPath(name))
		return Info{}, err
	}
	if now, err := os.ReadFile(s.metaPath(name)); !bytes.Equal(now, append(meta, '\n')) {
		// `keys delete` cleaned the half-stored key up while the keychain
		// was slow (and the name may be in use again): do not bring it
		// back. Our secret goes only if nobody has taken the name since.
		if errors.Is(err, fs.ErrNotExist) {
			s.remove(s.keySlot(name), rec.Storage)
		}
		return Info{}, fmt.Errorf("key %s was deleted while it was being stored: nothing was kept; store it again", name)
	}
	rec.Pending = false
	if meta, err = json.MarshalIndent(rec, "", "  "); err != nil {
		return Info{}, err
	}
	if err := writeFile(s.metaPath(name), append(meta, '\n')); err != nil {
		return Info{}, err
	}
	return rec.Info, nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint, base64url without padding.
func thumbprint(k jose.JSONWebKey) (string, error) {
	pub := k.Public()
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// setExpires sets Expires to the earliest known expiry.
func (r *record) setExpires() {
	r.Expires = nil
	var times []time.Time
	if r.Certificate != nil {
		times = append(times, r.Certificate.NotAfter)
	}
	if r.MaskinportenExpires != nil {
		times = append(times, *r.MaskinportenExpires)
	}
	if len(times) > 0 {
		t := slices.MinFunc(times, time.Time.Compare)
		r.Expires = &t
	}
}

func (s *Store) read(name string) (*record, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.metaPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, keyNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("key metadata %s is damaged: %w", s.metaPath(name), err)
	}
	if len(rec.JWK) == 0 || rec.Name == "" {
		return nil, fmt.Errorf("key metadata %s is damaged: it has no RSA public key or name", s.metaPath(name))
	}
	return &rec, nil
}

// usable reads a key's metadata and refuses a key that was not completely
// stored.
func (s *Store) usable(name string) (*record, error) {
	rec, err := s.read(name)
	if err != nil {
		return nil, err
	}
	if rec.Pending {
		return nil, &IncompleteError{Name: rec.Name}
	}
	return rec, nil
}

// Info returns one key's metadata; an unknown name gives ErrNotFound, a
// key interrupted while being stored ErrIncomplete.
func (s *Store) Info(name string) (Info, error) {
	rec, err := s.usable(name)
	if err != nil {
		return Info{}, err
	}
	return rec.Info, nil
}

// Load reads a key's private part from the keychain or its age file.
func (s *Store) Load(name string) (*Key, error) {
	rec, err := s.usable(name)
	if err != nil {
		return nil, err
	}
	sl := s.keySlot(rec.Name)
	secret, err := s.get(sl, rec.Storage)
	if errors.Is(err, errSecretGone) {
		return nil, fmt.Errorf("key %s: its private key is gone from %s (deleted outside systembruker?): "+
			"remove the key with `systembruker keys delete %s`, then generate or import it again", rec.Name, where(rec.Storage), rec.Name)
	}
	if err != nil {
		return nil, err
	}
	priv, chain, err := decodeSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("key %s: the stored private key is damaged: %w", rec.Name, err)
	}
	if !rec.matches(priv) {
		return nil, fmt.Errorf("key %s: the stored private key does not match %s: "+
			"delete the key and import it again", rec.Name, s.metaPath(rec.Name))
	}
	return &Key{Info: rec.Info, Private: priv, Chain: chain}, nil
}

func where(st Storage) string {
	switch st {
	case InKeychain:
		return "the OS keychain"
	case InKeychainFile:
		return "the OS keychain or its encrypted file"
	default:
		return "the encrypted file store"
	}
}

// SetExpiry records the expiry Maskinporten (Digdir) gave the key.
func (s *Store) SetExpiry(name string, exp time.Time) error {
	rec, err := s.usable(name)
	if err != nil {
		return err
	}
	exp = exp.UTC()
	rec.MaskinportenExpires = &exp
	rec.setExpires()
	meta, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.metaPath(rec.Name), append(meta, '\n'))
}

// PublicJWK returns the key's public JWK (kty RSA, n, e, kid, alg RS256, use
// sig, and x5c leaf first when it has a certificate). It reads metadata only.
func (s *Store) PublicJWK(name string) (jose.JSONWebKey, error) {
	rec, err := s.usable(name)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k, err := rec.publicJWK()
	if err != nil {
		return k, fmt.Errorf("key metadata %s is damaged: %v", s.metaPath(name), err)
	}
	return k, nil
}
