package maskinporten

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// issuer publishes a JWKS over TLS and counts fetches.
type issuer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches int
}

func newIssuer(t *testing.T) *issuer {
	is := &issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwk", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		defer is.mu.Unlock()
		is.fetches++
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: is.keys})
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": testAud, "token_endpoint": is.srv.URL + "/token", "jwks_uri": is.srv.URL + "/jwk"})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) publish(key *rsa.PrivateKey, kid string, alg jose.SignatureAlgorithm) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = append(is.keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: string(alg), Use: "sig"})
}

func (is *issuer) fetchCount() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.fetches
}

// issue signs claims the way an issuer does.
func issue(t *testing.T, key *rsa.PrivateKey, kid string, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newVerifier(is *issuer, clk *clock) *Verifier {
	return &Verifier{HTTP: is.srv.Client(), JWKSURL: JWKSURL(is.srv.URL), Issuer: testAud, Now: clk.now}
}

func TestVerify(t *testing.T) {
	is := newIssuer(t)
	is.publish(testKey(t, 0), "k1", jose.RS256)
	is.publish(testKey(t, 1), "k2", jose.RS512)
	clk := &clock{t: testNow}
	v := newVerifier(is, clk)
	claims := map[string]any{"iss": testAud, "scope": "s", "iat": testNow.Unix(), "exp": testNow.Unix() + 120}

	for _, tc := range []struct {
		kid string
		key *rsa.PrivateKey
		alg jose.SignatureAlgorithm
	}{{"k1", testKey(t, 0), jose.RS256}, {"k2", testKey(t, 1), jose.RS512}} {
		got, err := v.Verify(context.Background(), issue(t, tc.key, tc.kid, tc.alg, claims))
		if err != nil {
			t.Fatalf("%s: %v", tc.kid, err)
		}
		if got.KeyID != tc.kid || got.Algorithm != string(tc.alg) || got.Expired || !got.ExpiresAt.Equal(testNow.Add(120*time.Second)) || got.Claims["scope"] != "s" {
			t.Errorf("%s: verified = %+v", tc.kid, got)
		}
	}
	if n := is.fetchCount(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (cached)", n)
	}

	clk.add(121 * time.Second)
	got, err := v.Verify(context.Background(), issue(t, testKey(t, 0), "k1", jose.RS256, claims))
	if err != nil || !got.Expired {
		t.Errorf("expired token: %+v, %v; want Expired and no error", got, err)
	}
}

func TestVerifyRejects(t *testing.T) {
	is := newIssuer(t)
	is.publish(testKey(t, 0), "k1", jose.RS256)
	v := newVerifier(is, &clock{t: testNow})
	good := map[string]any{"iss": testAud, "exp": testNow.Unix() + 120}
	valid := issue(t, testKey(t, 0), "k1", jose.RS256, good)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + issueParts(t, map[string]any{"iss": testAud, "exp": testNow.Unix() + 9999})[1] + "." + parts[2]

	tests := []struct {
		name, token, wantErr string
	}{
		{"other issuer", issue(t, testKey(t, 0), "k1", jose.RS256, map[string]any{"iss": "https://maskinporten.no/"}), `expected "https://test.maskinporten.no/"`},
		{"tampered claims", tampered, "signature does not verify"},
		{"signed by another key", issue(t, testKey(t, 1), "k1", jose.RS256, good), "signature does not verify"},
		{"alg differs from the key's", issue(t, testKey(t, 0), "k1", jose.RS384, good), "signed with RS384 but key k1 is for RS256"},
		{"unknown kid", issue(t, testKey(t, 0), "nope", jose.RS256, good), "no key with kid nope"},
		{"no kid", issue(t, testKey(t, 0), "", jose.RS256, good), "has no kid"},
		{"HMAC", issueHS(t, good), "RS256, RS384 or RS512"},
		{"exp past year 9999", issue(t, testKey(t, 0), "k1", jose.RS256, map[string]any{"iss": testAud, "exp": 1e300}), "claim exp is not a valid time"},
		{"exp as text", issue(t, testKey(t, 0), "k1", jose.RS256, map[string]any{"iss": testAud, "exp": "never"}), "claim exp is not a valid time"},
		{"garbage", "x.y", "not a JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Verify error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func issueParts(t *testing.T, claims map[string]any) []string {
	return strings.Split(issue(t, testKey(t, 1), "x", jose.RS256, claims), ".")
}

func issueHS(t *testing.T, claims map[string]any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: make([]byte, 32), KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := jws.CompactSerialize()
	return tok
}

// TestVerifyRefetch covers key rotation: an unknown kid triggers at most
// one refetch per minute, and a set older than MaxAge is refetched.
func TestVerifyRefetch(t *testing.T) {
	is := newIssuer(t)
	is.publish(testKey(t, 0), "old", jose.RS256)
	clk := &clock{t: testNow}
	cache := &MemoryCache{}
	v := newVerifier(is, clk)
	v.Cache = cache
	claims := map[string]any{"iss": testAud}
	ctx := context.Background()
	step := func(name, kid string, key *rsa.PrivateKey, wantOK bool, wantFetches int) {
		t.Helper()
		_, err := v.Verify(ctx, issue(t, key, kid, jose.RS256, claims))
		if (err == nil) != wantOK {
			t.Errorf("%s: Verify error = %v, want ok=%v", name, err, wantOK)
		}
		if n := is.fetchCount(); n != wantFetches {
			t.Errorf("%s: %d fetches, want %d", name, n, wantFetches)
		}
	}
	step("first use fetches", "old", testKey(t, 0), true, 1)
	is.publish(testKey(t, 1), "new", jose.RS256)
	step("new kid within a minute of the fetch: no refetch", "new", testKey(t, 1), false, 1)
	clk.add(RefetchInterval)
	step("a minute later the unknown kid refetches", "new", testKey(t, 1), true, 2)
	step("forged kid right after: no refetch", "forged", testKey(t, 1), false, 2)
	clk.add(DefaultJWKSMaxAge + time.Second)
	step("stale set is refetched", "old", testKey(t, 0), true, 3)

	if _, fetched, ok := cache.Get(v.JWKSURL); !ok || !fetched.Equal(clk.now()) {
		t.Errorf("cache entry fetched %v, ok %v; want %v", fetched, ok, clk.now())
	}
	// A second verifier sharing the cache (as the CLI's file cache is
	// shared across runs) does not fetch again.
	v2 := newVerifier(is, clk)
	v2.Cache = cache
	if _, err := v2.Verify(ctx, issue(t, testKey(t, 1), "new", jose.RS256, claims)); err != nil || is.fetchCount() != 3 {
		t.Errorf("shared cache: %v, %d fetches", err, is.fetchCount())
	}
}

func TestFetchMetadataAndJWKS(t *testing.T) {
	is := newIssuer(t)
	ctx := context.Background()
	m, err := FetchMetadata(ctx, is.srv.Client(), MetadataURL(is.srv.URL+"/"))
	if err != nil || m.Issuer != testAud || m.JWKSURI != is.srv.URL+"/jwk" {
		t.Fatalf("metadata = %+v, %v", m, err)
	}
	if _, err := FetchJWKS(ctx, is.srv.Client(), m.JWKSURI); err == nil || !strings.Contains(err.Error(), "has no keys") {
		t.Errorf("empty set: %v", err)
	}
	is.publish(testKey(t, 0), "k1", jose.RS256)
	set, err := FetchJWKS(ctx, is.srv.Client(), m.JWKSURI)
	if err != nil || len(set.Key("k1")) != 1 {
		t.Errorf("set = %+v, %v", set, err)
	}
	if _, err := FetchJWKS(ctx, is.srv.Client(), is.srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("missing: %v", err)
	}
}
