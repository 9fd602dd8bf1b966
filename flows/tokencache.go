package flows

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The token cache.
//
// Tokens are secrets, and fetching one costs a keychain read, a signature and
// a round trip to Maskinporten, so `systembruker token` reuses a token that
// is still valid for more than TokenReuseMargin. The obvious home for a
// cached token, the OS keychain, is too slow for the hot path (a go-keyring
// Set costs about 5 ms on gnome-keyring), so instead:
//
//   - Each entry is a file <Cache>/tokens/<hash>.json (mode 0600, folder
//     0700), where <hash> is the SHA-256 of the cache key: environment,
//     Maskinporten and Altinn URLs (the embedded sandbox's by name, since
//     its port changes every run), client id, key name and kid, kid or x5c,
//     sorted scopes, resource, system-user org, externalRef, and whether it
//     is an Altinn token.
//   - The file holds the token's expiry in the clear, so a miss or a stale
//     entry is decided without touching the keychain, and the token sealed
//     with AES-256-GCM (random nonce, AAD = the hash).
//   - The AES key is derived with HKDF-SHA256 from the private key the grant
//     is signed with (its private exponent as input key material, salt
//     "systembruker token cache v2", info = kid + hash). The cache's secret
//     thus lives in the keychain with the signing key, as the age files of
//     large keys do: a hit costs the one keychain read a fresh token would
//     cost anyway, a miss writes no keychain item, and deleting the key
//     shreds its cached tokens.
//   - An entry that is missing, stale, damaged, or sealed with another key is
//     a miss; the fresh token replaces it.
//   - Expired entries are pruned on about one write in sixteen.
//
// Files are replaced by rename without fsync: a crash can lose an entry,
// which costs one token request, but never leaves a torn file that opens
// (the AEAD tag would not verify).

// TokenReuseMargin is how long a cached token must still be valid to be
// reused: a token that expires on its way to the API is no use.
const TokenReuseMargin = 10 * time.Second

const (
	cacheVersion = 2
	cacheSalt    = "systembruker token cache v2"
)

// cacheKey identifies what a token was asked for. Every field that changes
// what Maskinporten (or Altinn) would answer is in it.
type cacheKey struct {
	Env             string   `json:"env"`
	Issuer          string   `json:"issuer"`
	MaskinportenURL string   `json:"maskinporten_url"`
	AltinnURL       string   `json:"altinn_url,omitempty"`
	ClientID        string   `json:"client_id"`
	KeyName         string   `json:"key_name"`
	KID             string   `json:"kid"`
	X5C             bool     `json:"x5c"`
	Scopes          []string `json:"scopes"` // sorted, without duplicates
	Resource        string   `json:"resource,omitempty"`
	SystemUserOrg   string   `json:"systemuser_org,omitempty"`
	ExternalRef     string   `json:"external_ref,omitempty"`
	Altinn          bool     `json:"altinn"`
}

// hash names the entry and binds its ciphertext (as AAD) to the key.
func (k cacheKey) hash() string {
	k.Scopes = slices.Compact(slices.Sorted(slices.Values(k.Scopes)))
	b, err := json.Marshal(k)
	if err != nil {
		panic("flows: cache key does not marshal: " + err.Error()) // strings and bools only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cacheFile is the on-disk entry. Only ExpiresAt is readable without the key.
type cacheFile struct {
	Version   int       `json:"v"`
	ExpiresAt time.Time `json:"expires_at"`
	Nonce     []byte    `json:"nonce"`
	Sealed    []byte    `json:"sealed"`
}

// cachedToken is the sealed part of an entry. ExpiresAt is repeated inside,
// where it is authenticated, because the clear copy could be edited.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	Scope       string    `json:"scope"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// tokenCache is the folder of entries.
type tokenCache struct {
	dir string
	now func() time.Time
}

func (c *tokenCache) path(hash string) string { return filepath.Join(c.dir, hash+".json") }

func (c *tokenCache) usable(exp time.Time) bool {
	return exp.Sub(c.now()) > TokenReuseMargin
}

// lookup returns the entry for hash if its clear expiry leaves it usable. It
// reads one small file and needs no key.
func (c *tokenCache) lookup(hash string) (*cacheFile, bool) {
	data, err := os.ReadFile(c.path(hash))
	if err != nil {
		return nil, false
	}
	var f cacheFile
	if json.Unmarshal(data, &f) != nil || f.Version != cacheVersion || !c.usable(f.ExpiresAt) {
		return nil, false
	}
	return &f, true
}

// open decrypts an entry that lookup returned. Any failure (another key,
// a damaged file) is a miss.
func (c *tokenCache) open(f *cacheFile, hash string, priv *rsa.PrivateKey, kid string) (*cachedToken, bool) {
	aead, err := cacheAEAD(priv, kid, hash)
	if err != nil || len(f.Nonce) != aead.NonceSize() {
		return nil, false
	}
	plain, err := aead.Open(nil, f.Nonce, f.Sealed, []byte(hash))
	if err != nil {
		return nil, false
	}
	var tok cachedToken
	if json.Unmarshal(plain, &tok) != nil || tok.AccessToken == "" || !c.usable(tok.ExpiresAt) {
		return nil, false
	}
	return &tok, true
}

// put seals tok and writes its entry, then drops entries that have expired.
func (c *tokenCache) put(hash string, priv *rsa.PrivateKey, kid string, tok cachedToken) error {
	aead, err := cacheAEAD(priv, kid, hash)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	f := cacheFile{Version: cacheVersion, ExpiresAt: tok.ExpiresAt.UTC(), Nonce: make([]byte, aead.NonceSize())}
	rand.Read(f.Nonce)
	f.Sealed = aead.Seal(nil, f.Nonce, plain, []byte(hash))
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := writeReplace(c.path(hash), data); err != nil {
		return err
	}
	// Prune on about one write in sixteen (hash is hex, so its first digit
	// is as good as random): expired entries go soon enough, and most
	// fetches skip reading the folder.
	if hash[0] == '0' {
		c.prune(hash)
	}
	return nil
}

// prune removes expired entries so that the folder does not grow with every
// scope combination ever asked for. A race with another process that has
// just refreshed an entry can at worst delete that fresh entry: a miss.
func (c *tokenCache) prune(keep string) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	now := c.now()
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || name == keep || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(c.dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var f cacheFile
		if json.Unmarshal(data, &f) != nil || !now.Before(f.ExpiresAt) {
			os.Remove(p)
		}
	}
}

// cacheAEAD derives the entry's AES-256-GCM key from the signing key.
func cacheAEAD(priv *rsa.PrivateKey, kid, hash string) (cipher.AEAD, error) {
	if priv == nil {
		return nil, errors.New("token cache: no private key")
	}
	// The private exponent is the key's secret; it is cheaper to get than a
	// PKCS#8 encoding, which a cold process would build just for this.
	ikm := priv.D.Bytes()
	key, err := hkdf.Key(sha256.New, ikm, []byte(cacheSalt), kid+hash, 32)
	clear(ikm)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeReplace writes data to path through a temporary file and a rename,
// so readers see the old or the new entry, never a mix. WHY no fsync (unlike
// internal/atomicfile): the entry is re-fetchable, and an fsync would cost
// the hot path more than the keychain write this design avoids.
func writeReplace(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
