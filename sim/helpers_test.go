package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Tests build grants with go-jose, independently of the simulator's own
// stdlib JOSE code, and talk to it over TLS on loopback.

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testKeys caches RSA keys: generating 2048-bit keys is the slow part of
// these tests, and distinct keys are all that matters.
var testKeys struct {
	sync.Mutex
	keys []*rsa.PrivateKey
}

func testKey(t *testing.T, i int) *rsa.PrivateKey {
	t.Helper()
	testKeys.Lock()
	defer testKeys.Unlock()
	for len(testKeys.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		testKeys.keys = append(testKeys.keys, k)
	}
	return testKeys.keys[i]
}

type testEnv struct {
	t     *testing.T
	srv   *Server
	inst  *Instance
	http  *http.Client
	clock *testClock
}

// newEnv starts a simulator over TLS on loopback. cfg.Now defaults to a test
// clock and cfg.Logf to t.Logf.
func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	clock := newTestClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := srv.Start("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testEnv{t: t, srv: srv, inst: inst, http: inst.Client(), clock: clock}
}

// do sends a JSON request (body may be nil) and decodes a JSON answer into
// out (if non-nil). It returns the status and the raw body.
func (e *testEnv) do(method, url string, body, out any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode, raw
}

// control calls the control API and fails the test unless it answers want.
func (e *testEnv) control(method, path string, body any, want int, out any) {
	e.t.Helper()
	code, raw := e.do(method, e.inst.URLs.Control+path, body, nil)
	if code != want {
		e.t.Fatalf("%s /sim%s = %d %s, want %d", method, path, code, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatal(err)
		}
	}
}

// publicJWK is key i's public JWK as a client would upload it.
func publicJWK(t *testing.T, i int, kid string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: &testKey(t, i).PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type createdClient struct {
	ClientID string `json:"client_id"`
	Keys     []struct {
		Kid string `json:"kid"`
		Exp int64  `json:"exp"`
	} `json:"keys"`
}

// addClient registers a client of the demo vendor with key i (kid
// "key-<i>") unless i < 0.
func (e *testEnv) addClient(scopes []string, i int) string {
	e.t.Helper()
	req := map[string]any{"org_no": DemoVendorOrgNo, "client_name": "test client", "scopes": scopes}
	if i >= 0 {
		req["keys"] = map[string]any{"keys": []json.RawMessage{publicJWK(e.t, i, kidOf(i))}}
	}
	var c createdClient
	e.control("POST", "/clients", req, http.StatusCreated, &c)
	return c.ClientID
}

func kidOf(i int) string { return "key-" + string(rune('0'+i)) }

// grantClaims returns a valid grant's claims for clientID.
func (e *testEnv) grantClaims(clientID, scope string) map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"aud":   e.inst.URLs.Issuer,
		"iss":   clientID,
		"scope": scope,
		"iat":   now.Unix(),
		"exp":   now.Add(120 * time.Second).Unix(),
		"jti":   newTestJTI(),
	}
}

func newTestJTI() string {
	b := make([]byte, 16)
	rand.Read(b)
	return b64url.EncodeToString(b)
}

// sign makes a compact RS256 JWS of claims with key i and extra header
// members (kid among them, when wanted).
func sign(t *testing.T, i int, header map[string]any, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range header {
		opts.WithHeader(jose.HeaderKey(k), v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: testKey(t, i)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type tokenAnswer struct {
	status int
	// success
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	// error
	Error       string `json:"error"`
	Description string `json:"error_description"`
	URI         string `json:"error_uri"`
}

// token posts a JWT-bearer token request.
func (e *testEnv) token(assertion string) tokenAnswer {
	e.t.Helper()
	form := url.Values{"grant_type": {grantTypeJWTBearer}, "assertion": {assertion}}
	resp, err := e.http.Post(e.inst.URLs.Maskinporten+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		e.t.Fatalf("token answer %d is not JSON: %v", resp.StatusCode, err)
	}
	a.status = resp.StatusCode
	return a
}

// verifyMPToken checks an access token against the simulator's /jwk with
// go-jose and returns its claims.
func (e *testEnv) verifyMPToken(tok string) map[string]any {
	e.t.Helper()
	var set jose.JSONWebKeySet
	if code, raw := e.do("GET", e.inst.URLs.Maskinporten+"/jwk", nil, &set); code != http.StatusOK {
		e.t.Fatalf("GET /jwk = %d %s", code, raw)
	}
	return verifyWith(e.t, tok, set)
}

func verifyWith(t *testing.T, tok string, set jose.JSONWebKeySet) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("token does not parse: %v", err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in JWKS", parsed.Headers[0].KeyID, len(keys))
	}
	var claims map[string]any
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("token signature: %v", err)
	}
	return claims
}
