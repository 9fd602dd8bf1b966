package flows

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestJWKSFileCache(t *testing.T) {
	key, _ := testCacheKeys(t)
	c := JWKSFileCache{Dir: filepath.Join(t.TempDir(), "jwks")}
	const url = "https://test.maskinporten.no/jwk"
	if _, _, ok := c.Get(url); ok {
		t.Fatal("an empty cache had a set")
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	c.Put(url, set, cacheT0)

	got, fetched, ok := c.Get(url)
	if !ok || !fetched.Equal(cacheT0) || len(got.Keys) != 1 || got.Keys[0].KeyID != "k1" {
		t.Fatalf("Get = %v, %v, %v", got, fetched, ok)
	}
	if pub, ok := got.Keys[0].Key.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		t.Error("the cached key is not the stored key")
	}
	if _, _, ok := c.Get(url + "?other"); ok {
		t.Error("another URL hit")
	}
	path := c.path("jwks", url)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, want mode 0600", path, err)
	}
	// A file that names another URL (a hash clash, or a copy) is a miss.
	data, _ := os.ReadFile(path)
	os.WriteFile(c.path("jwks", "https://elsewhere/jwk"), data, 0o600)
	if _, _, ok := c.Get("https://elsewhere/jwk"); ok {
		t.Error("an entry for another URL was used")
	}
	os.WriteFile(path, []byte("{"), 0o600)
	if _, _, ok := c.Get(url); ok {
		t.Error("a damaged file was used")
	}

	const meta = "https://platform.tt02.altinn.no/authentication/api/v1/openid/.well-known/openid-configuration"
	c.putJWKSURI(meta, "https://platform.tt02.altinn.no/jwks", cacheT0)
	if u, fresh := c.jwksURI(meta, cacheT0.Add(time.Hour), 24*time.Hour); u != "https://platform.tt02.altinn.no/jwks" || !fresh {
		t.Errorf("jwksURI = %q, %v", u, fresh)
	}
	if _, fresh := c.jwksURI(meta, cacheT0.Add(25*time.Hour), 24*time.Hour); fresh {
		t.Error("a day-old discovery was fresh")
	}
}
