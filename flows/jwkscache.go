package flows

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/internal/atomicfile"
)

// JWKSFileCache is a maskinporten.JWKSCache kept in files, one per URL, so
// that `token inspect --verify` fetches an issuer's keys once a day rather
// than on every run. Key sets are public, but the files are 0600 like
// everything else systembruker writes.
type JWKSFileCache struct {
	Dir string // e.g. <Cache>/jwks
}

var _ maskinporten.JWKSCache = JWKSFileCache{}

type jwksFile struct {
	URL     string             `json:"url"`
	Fetched time.Time          `json:"fetched"`
	Keys    jose.JSONWebKeySet `json:"keys"`
}

// path names the file by a hash of the URL, which may hold any character.
func (c JWKSFileCache) path(kind, url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:16])+"."+kind+".json")
}

// Get returns the cached set for url. A missing or damaged file is a miss.
func (c JWKSFileCache) Get(url string) (jose.JSONWebKeySet, time.Time, bool) {
	var f jwksFile
	if !readCached(c.path("jwks", url), &f) || f.URL != url || len(f.Keys.Keys) == 0 {
		return jose.JSONWebKeySet{}, time.Time{}, false
	}
	return f.Keys, f.Fetched, true
}

// Put stores set for url. Errors are ignored: the cache only saves a fetch.
func (c JWKSFileCache) Put(url string, set jose.JSONWebKeySet, fetched time.Time) {
	writeCached(c.path("jwks", url), jwksFile{URL: url, Fetched: fetched.UTC(), Keys: set})
}

// discoveryFile remembers where a discovery document said the keys are.
type discoveryFile struct {
	URL     string    `json:"url"`
	Fetched time.Time `json:"fetched"`
	JWKSURI string    `json:"jwks_uri"`
}

// jwksURI returns the jwks_uri cached for a discovery document no older than
// maxAge.
func (c JWKSFileCache) jwksURI(metadataURL string, now time.Time, maxAge time.Duration) (string, bool) {
	var f discoveryFile
	if !readCached(c.path("discovery", metadataURL), &f) || f.URL != metadataURL || f.JWKSURI == "" {
		return "", false
	}
	return f.JWKSURI, now.Sub(f.Fetched) <= maxAge
}

func (c JWKSFileCache) putJWKSURI(metadataURL, jwksURI string, fetched time.Time) {
	writeCached(c.path("discovery", metadataURL), discoveryFile{URL: metadataURL, Fetched: fetched.UTC(), JWKSURI: jwksURI})
}

func readCached(path string, v any) bool {
	data, err := os.ReadFile(path)
	return err == nil && json.Unmarshal(data, v) == nil
}

func writeCached(path string, v any) {
	data, err := json.Marshal(v)
	if err == nil {
		atomicfile.Write(path, data, 0o600)
	}
}
