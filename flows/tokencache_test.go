package flows

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// cacheKeys are RSA keys for the cache tests, made once: key generation is
// the slow part, and any two distinct keys do.
var cacheKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return ks, err
		}
		ks[i] = k
	}
	return ks, nil
})

func testCacheKeys(t *testing.T) (a, b *rsa.PrivateKey) {
	t.Helper()
	ks, err := cacheKeys()
	if err != nil {
		t.Fatal(err)
	}
	return ks[0], ks[1]
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

var cacheT0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const testToken = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImE6YiJ9.c2lnbmF0dXJlLWJ5dGVz"

func newTestCache(t *testing.T) (*tokenCache, *fakeClock) {
	clock := &fakeClock{cacheT0}
	return &tokenCache{dir: filepath.Join(t.TempDir(), "tokens"), now: clock.now}, clock
}

func sampleToken(exp time.Time) cachedToken {
	return cachedToken{AccessToken: testToken, TokenType: "Bearer", Scope: "a:b", ExpiresAt: exp}
}

func TestTokenCacheRoundTrip(t *testing.T) {
	key, _ := testCacheKeys(t)
	c, _ := newTestCache(t)
	hash := cacheKey{Env: "test", ClientID: "c", Scopes: []string{"a:b"}}.hash()
	want := sampleToken(cacheT0.Add(119 * time.Second))
	if err := c.put(hash, key, "kid-1", want); err != nil {
		t.Fatal(err)
	}
	f, ok := c.lookup(hash)
	if !ok {
		t.Fatal("lookup missed a fresh entry")
	}
	got, ok := c.open(f, hash, key, "kid-1")
	if !ok || *got != want {
		t.Fatalf("open = %+v, %v; want %+v", got, ok, want)
	}

	data, err := os.ReadFile(c.path(hash))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testToken, "eyJzY29wZSI6ImE6YiJ9", "c2lnbmF0dXJlLWJ5dGVz", "Bearer", "a:b"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the entry holds %q in the clear", secret)
		}
	}
	for path, mode := range map[string]os.FileMode{c.path(hash): 0o600, c.dir: 0o700} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, mode)
		}
	}
}

func TestTokenCacheMisses(t *testing.T) {
	key, otherKey := testCacheKeys(t)
	hash := cacheKey{ClientID: "c"}.hash()
	otherHash := cacheKey{ClientID: "d"}.hash()
	exp := cacheT0.Add(119 * time.Second)

	// edit rewrites the stored entry.
	edit := func(t *testing.T, c *tokenCache, change func(f *cacheFile)) {
		var f cacheFile
		data, _ := os.ReadFile(c.path(hash))
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		change(&f)
		data, _ = json.Marshal(f)
		if err := os.WriteFile(c.path(hash), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		// spoil changes things after a good put; it returns what open
		// should be called with.
		spoil    func(t *testing.T, c *tokenCache, clock *fakeClock) (lookupHash string, key *rsa.PrivateKey, kid string)
		lookupOK bool // the clear expiry still looks usable
	}{
		{name: "missing", spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			return otherHash, key, "k"
		}},
		{name: "stale", spoil: func(t *testing.T, c *tokenCache, clock *fakeClock) (string, *rsa.PrivateKey, string) {
			clock.t = exp.Add(-9 * time.Second)
			return hash, key, "k"
		}},
		{name: "exactly the margin left", spoil: func(t *testing.T, c *tokenCache, clock *fakeClock) (string, *rsa.PrivateKey, string) {
			clock.t = exp.Add(-TokenReuseMargin)
			return hash, key, "k"
		}},
		{name: "another key", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			return hash, otherKey, "k"
		}},
		{name: "another kid", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			return hash, key, "k2"
		}},
		{name: "moved to another name", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			if err := os.Rename(c.path(hash), c.path(otherHash)); err != nil {
				t.Fatal(err)
			}
			return otherHash, key, "k"
		}},
		{name: "clear expiry moved forward", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, clock *fakeClock) (string, *rsa.PrivateKey, string) {
			edit(t, c, func(f *cacheFile) { f.ExpiresAt = exp.Add(time.Hour) })
			clock.t = exp
			return hash, key, "k"
		}},
		{name: "sealed byte flipped", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			edit(t, c, func(f *cacheFile) { f.Sealed[0] ^= 1 })
			return hash, key, "k"
		}},
		{name: "short nonce", lookupOK: true, spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			edit(t, c, func(f *cacheFile) { f.Nonce = f.Nonce[:4] })
			return hash, key, "k"
		}},
		{name: "other version", spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			edit(t, c, func(f *cacheFile) { f.Version = cacheVersion + 1 })
			return hash, key, "k"
		}},
		{name: "not JSON", spoil: func(t *testing.T, c *tokenCache, _ *fakeClock) (string, *rsa.PrivateKey, string) {
			os.WriteFile(c.path(hash), []byte("garbage"), 0o600)
			return hash, key, "k"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, clock := newTestCache(t)
			if err := c.put(hash, key, "k", sampleToken(exp)); err != nil {
				t.Fatal(err)
			}
			h, k, kid := tc.spoil(t, c, clock)
			f, ok := c.lookup(h)
			if ok != tc.lookupOK {
				t.Fatalf("lookup = %v, want %v", ok, tc.lookupOK)
			}
			if !ok {
				return
			}
			if tok, ok := c.open(f, h, k, kid); ok {
				t.Errorf("open gave %+v: want a miss", tok)
			}
		})
	}
}

func TestTokenCachePrune(t *testing.T) {
	key, _ := testCacheKeys(t)
	c, clock := newTestCache(t)
	hashes := make([]string, 4)
	for i := range hashes {
		hashes[i] = cacheKey{ClientID: string(rune('a' + i))}.hash()
	}
	// Entries expiring after 1, 2 and 30 minutes, and a damaged one.
	for i, life := range []time.Duration{time.Minute, 2 * time.Minute, 30 * time.Minute} {
		if err := c.put(hashes[i], key, "k", sampleToken(cacheT0.Add(life))); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(c.dir, "damaged.json"), []byte("{"), 0o600)
	os.WriteFile(filepath.Join(c.dir, ".tmp-123"), []byte("in flight"), 0o600)

	clock.t = cacheT0.Add(5 * time.Minute)
	if err := c.put(hashes[3], key, "k", sampleToken(clock.t.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	c.prune(hashes[3]) // put prunes on about one write in sixteen
	var left []string
	entries, _ := os.ReadDir(c.dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := map[string]bool{hashes[2] + ".json": true, hashes[3] + ".json": true, ".tmp-123": true}
	if len(left) != len(want) {
		t.Fatalf("left %v, want the two live entries and the temporary file", left)
	}
	for _, n := range left {
		if !want[n] {
			t.Errorf("%s survived the prune", n)
		}
	}
}

func TestCacheKeyHash(t *testing.T) {
	base := cacheKey{
		Env: "test", Issuer: "https://test.maskinporten.no/", MaskinportenURL: "https://test.maskinporten.no",
		ClientID: "c", KeyName: "k", KID: "kid", Scopes: []string{"a:b", "c:d"},
	}
	if base.hash() != base.hash() || len(base.hash()) != 64 {
		t.Fatalf("hash %q is not a stable SHA-256 hex", base.hash())
	}
	same := base
	same.Scopes = []string{"c:d", "a:b", "c:d"}
	if same.hash() != base.hash() {
		t.Error("scope order or repetition changed the hash")
	}
	for name, change := range map[string]func(k *cacheKey){
		"env":            func(k *cacheKey) { k.Env = "prod" },
		"issuer":         func(k *cacheKey) { k.Issuer = "https://maskinporten.no/" },
		"url":            func(k *cacheKey) { k.MaskinportenURL = "https://127.0.0.1:1" },
		"altinn url":     func(k *cacheKey) { k.AltinnURL = "https://platform.tt02.altinn.no" },
		"client":         func(k *cacheKey) { k.ClientID = "c2" },
		"key":            func(k *cacheKey) { k.KeyName = "k2" },
		"kid":            func(k *cacheKey) { k.KID = "kid2" },
		"x5c":            func(k *cacheKey) { k.X5C = true },
		"scopes":         func(k *cacheKey) { k.Scopes = []string{"a:b"} },
		"resource":       func(k *cacheKey) { k.Resource = "https://api.example/" },
		"system user":    func(k *cacheKey) { k.SystemUserOrg = "310007919" },
		"external ref":   func(k *cacheKey) { k.SystemUserOrg, k.ExternalRef = "310007919", "r" },
		"altinn":         func(k *cacheKey) { k.Altinn = true },
		"split boundary": func(k *cacheKey) { k.ClientID, k.KeyName = "ck", "" },
	} {
		k := base
		k.Scopes = append([]string(nil), base.Scopes...)
		change(&k)
		if k.hash() == base.hash() {
			t.Errorf("changing %s kept the hash", name)
		}
	}
}

func TestExpiry(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{112 * time.Second, "expires in 1m52s"},
		{45*time.Second + 400*time.Millisecond, "expires in 45s"},
		{2 * time.Minute, "expires in 2m"},
		{time.Hour, "expires in 1h"},
		{2*time.Hour + 5*time.Minute + 30*time.Second, "expires in 2h5m"},
		{76 * time.Hour, "expires in 3d4h"},
		{0, "expired 0s ago"},
		{-30 * time.Second, "expired 30s ago"},
		{-(3*time.Minute + 5*time.Second), "expired 3m ago"},
		{-(26 * time.Hour), "expired 1d2h ago"},
	} {
		if got := Expiry(cacheT0.Add(tc.left), cacheT0); got != tc.want {
			t.Errorf("Expiry(now%+v) = %q, want %q", tc.left, got, tc.want)
		}
	}
}
