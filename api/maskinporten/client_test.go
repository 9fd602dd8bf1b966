package maskinporten

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// tokenServer is a TLS token endpoint that checks each request like
// Maskinporten would (form fields, signature) and answers from a script.
type tokenServer struct {
	t      *testing.T
	srv    *httptest.Server
	script []func(http.ResponseWriter) // answer i for request i; the last repeats

	mu         sync.Mutex
	assertions []string
	grants     []map[string]any
}

func newTokenServer(t *testing.T, script ...func(http.ResponseWriter)) *tokenServer {
	ts := &tokenServer{t: t, script: script}
	ts.srv = httptest.NewTLSServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		http.Error(w, "wrong method or path", http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		http.Error(w, "wrong content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	if err := r.ParseForm(); err != nil || len(r.PostForm) != 2 || r.PostForm.Get("grant_type") != GrantType {
		http.Error(w, fmt.Sprintf(`{"error":"invalid_request","error_description":"bad form %v"}`, r.PostForm), http.StatusBadRequest)
		return
	}
	assertion := r.PostForm.Get("assertion")
	jws, err := jose.ParseSignedCompact(assertion, []jose.SignatureAlgorithm{jose.RS256})
	if err == nil {
		_, err = jws.Verify(&testKey(ts.t, 0).PublicKey)
	}
	d, derr := Decode(assertion)
	if err != nil || derr != nil {
		http.Error(w, `{"error":"invalid_grant","error_description":"Invalid JWT signature"}`, http.StatusBadRequest)
		return
	}
	ts.mu.Lock()
	n := len(ts.assertions)
	ts.assertions = append(ts.assertions, assertion)
	ts.grants = append(ts.grants, d.Claims)
	ts.mu.Unlock()
	ts.script[min(n, len(ts.script)-1)](w)
}

func (ts *tokenServer) requests() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.assertions)
}

func (ts *tokenServer) claim(name string) []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []string
	for _, g := range ts.grants {
		out = append(out, fmt.Sprint(g[name]))
	}
	return out
}

func answer(status int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

var okToken = answer(200, `{"access_token":"at.secret.value","token_type":"Bearer","expires_in":119,"scope":"s"}`)

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// sleeps records the waits a Client asks for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// tickingClock advances one second per reading, so each grant gets new times.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	t := testNow
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func newTestClient(ts *tokenServer, s *sleeps) *Client {
	c := &Client{HTTP: ts.srv.Client(), BaseURL: ts.srv.URL + "/", Now: tickingClock()}
	if s != nil {
		c.sleep = s.sleep
	}
	return c
}

var (
	plainGrant = Grant{Audience: testAud, ClientID: "client-1", Scopes: []string{"s"}}
)

func testSigner(t *testing.T) Signer { return Signer{Key: testKey(t, 0), KID: "key-1"} }

func TestTokenSuccess(t *testing.T) {
	ts := newTokenServer(t, okToken)
	c := newTestClient(ts, &sleeps{})
	tok, err := c.Token(context.Background(), plainGrant, testSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Token{AccessToken: "at.secret.value", TokenType: "Bearer", ExpiresIn: 119, Scope: "s", ReceivedAt: testNow.Add(time.Second)}
	if *tok != want {
		t.Errorf("token = %#v, want %#v", *tok, want)
	}
	if got := tok.ExpiresAt(); !got.Equal(want.ReceivedAt.Add(119 * time.Second)) {
		t.Errorf("ExpiresAt = %v", got)
	}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", *tok, *tok, *tok, *tok)} {
		if strings.Contains(s, "secret") {
			t.Errorf("formatted token reveals it: %s", s)
		}
	}
}

func TestTokenRetries(t *testing.T) {
	tests := []struct {
		name       string
		script     []func(http.ResponseWriter)
		maxWait    time.Duration
		wantReqs   int
		wantStatus int // of the returned *Error; 0 for success
		checkWaits func(t *testing.T, d []time.Duration)
	}{
		{
			name:     "503 then 200",
			script:   []func(http.ResponseWriter){answer(503, ""), okToken},
			wantReqs: 2,
			checkWaits: func(t *testing.T, d []time.Duration) {
				if len(d) != 1 || d[0] < backoffBase/2 || d[0] > backoffBase {
					t.Errorf("waits = %v, want one in [%v, %v]", d, backoffBase/2, backoffBase)
				}
			},
		},
		{
			name:     "429 honours Retry-After seconds",
			script:   []func(http.ResponseWriter){answer(429, "", "Retry-After", "1"), okToken},
			wantReqs: 2,
			checkWaits: func(t *testing.T, d []time.Duration) {
				if !slices.Equal(d, []time.Duration{time.Second}) {
					t.Errorf("waits = %v, want [1s]", d)
				}
			},
		},
		{
			name:     "network error is retried",
			script:   []func(http.ResponseWriter){hangUp, okToken},
			wantReqs: 2,
		},
		{
			name:       "400 is not retried",
			script:     []func(http.ResponseWriter){answer(400, `{"error":"invalid_scope","error_description":"Token request contains invalid scopes for client, s"}`), okToken},
			wantReqs:   1,
			wantStatus: 400,
		},
		{
			name:       "403 is not retried",
			script:     []func(http.ResponseWriter){answer(403, `{"error":"forbidden","error_description":"Consumer has not been granted access to the scope s."}`), okToken},
			wantReqs:   1,
			wantStatus: 403,
		},
		{
			name:       "attempts are bounded",
			script:     []func(http.ResponseWriter){answer(500, "")},
			wantReqs:   DefaultMaxAttempts,
			wantStatus: 500,
			checkWaits: func(t *testing.T, d []time.Duration) {
				if len(d) != DefaultMaxAttempts-1 {
					t.Errorf("waits = %v, want %d", d, DefaultMaxAttempts-1)
				}
			},
		},
		{
			name:       "Retry-After beyond the budget ends retries",
			script:     []func(http.ResponseWriter){answer(429, "", "Retry-After", "60"), okToken},
			wantReqs:   1,
			wantStatus: 429,
		},
		{
			name:       "waits count against the budget",
			script:     []func(http.ResponseWriter){answer(503, "", "Retry-After", "2"), answer(503, "", "Retry-After", "2"), okToken},
			maxWait:    3 * time.Second,
			wantReqs:   2,
			wantStatus: 503,
		},
		{
			name:     "Retry-After as HTTP date",
			script:   []func(http.ResponseWriter){answer(503, "", "Retry-After", testNow.Add(5*time.Second).UTC().Format(http.TimeFormat)), okToken},
			wantReqs: 2,
			checkWaits: func(t *testing.T, d []time.Duration) {
				// The test clock has moved a few ticks past testNow by then.
				if len(d) != 1 || d[0] < time.Second || d[0] > 5*time.Second {
					t.Errorf("waits = %v, want one of 1s–5s (until the date)", d)
				}
			},
		},
		{
			name:       "Retry-After date beyond the budget",
			script:     []func(http.ResponseWriter){answer(503, "", "Retry-After", testNow.Add(time.Hour).UTC().Format(http.TimeFormat)), okToken},
			wantReqs:   1,
			wantStatus: 503,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, tt.script...)
			s := &sleeps{}
			c := newTestClient(ts, s)
			c.MaxWait = tt.maxWait
			tok, err := c.Token(context.Background(), plainGrant, testSigner(t))
			if got := ts.requests(); got != tt.wantReqs {
				t.Errorf("server saw %d requests, want %d", got, tt.wantReqs)
			}
			if tt.wantStatus == 0 {
				if err != nil || tok == nil {
					t.Fatalf("Token = %v, %v; want a token", tok, err)
				}
			} else {
				var e *Error
				if !errors.As(err, &e) || e.Status != tt.wantStatus {
					t.Fatalf("Token error = %v, want *Error with status %d", err, tt.wantStatus)
				}
			}
			// Every attempt is a new grant: new jti, new iat and exp.
			for _, claim := range []string{"jti", "iat", "exp"} {
				if vals := ts.claim(claim); len(slices.Compact(slices.Sorted(slices.Values(vals)))) != len(vals) {
					t.Errorf("%s repeated across attempts: %v", claim, vals)
				}
			}
			if tt.checkWaits != nil {
				tt.checkWaits(t, s.d)
			}
		})
	}
}

func TestTokenErrorCarriesRequestButNoSecrets(t *testing.T) {
	ts := newTokenServer(t, answer(400, `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Expired key. (trace_id: 35)","error_uri":"https://maskinporten.no/errors/MP-121"}`))
	c := newTestClient(ts, &sleeps{})
	g := plainGrant
	g.SystemUserOrg = "310007919"
	_, err := c.Token(context.Background(), g, testSigner(t))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error", err)
	}
	if e.ClientID != "client-1" || e.KeyID != "key-1" || e.SystemUserOrg != "310007919" || !slices.Equal(e.Scopes, []string{"s"}) {
		t.Errorf("request context = %q %q %q %v", e.ClientID, e.KeyID, e.SystemUserOrg, e.Scopes)
	}
	assertion := ts.assertions[0]
	sig := assertion[strings.LastIndex(assertion, ".")+1:]
	for name, s := range map[string]string{"Error": e.Error(), "Hint": e.Hint(), "Body": string(e.Body), "%+v": fmt.Sprintf("%+v", e)} {
		if strings.Contains(s, sig) {
			t.Errorf("%s contains the grant", name)
		}
	}
}

func TestTokenNotRetried(t *testing.T) {
	tests := []struct {
		name    string
		script  func(http.ResponseWriter)
		http    func(ts *tokenServer) *http.Client
		grant   Grant
		wantReq int
		wantErr string
	}{
		{
			name:    "invalid grant never reaches the server",
			script:  okToken,
			grant:   Grant{Audience: testAud, ClientID: "c"},
			wantErr: "no scope",
		},
		{
			name:    "untrusted server certificate",
			script:  okToken,
			http:    func(*tokenServer) *http.Client { return &http.Client{} },
			grant:   plainGrant,
			wantErr: "cannot reach Maskinporten",
		},
		{
			name:    "200 without a token",
			script:  answer(200, `{"token":"eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.c2ln"}`),
			grant:   plainGrant,
			wantReq: 1,
			wantErr: "answered 200 without a token response",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t, tt.script)
			s := &sleeps{}
			c := newTestClient(ts, s)
			if tt.http != nil {
				c.HTTP = tt.http(ts)
			}
			_, err := c.Token(context.Background(), tt.grant, testSigner(t))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "eyJ") {
				t.Errorf("error quotes a token: %v", err)
			}
			if len(s.d) != 0 || ts.requests() != tt.wantReq {
				t.Errorf("waits %v, requests %d; want none, %d", s.d, ts.requests(), tt.wantReq)
			}
		})
	}
}

func TestTokenStopsOnCancel(t *testing.T) {
	ts := newTokenServer(t, answer(503, "", "Retry-After", "5"))
	c := newTestClient(ts, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var waits []time.Duration
	// Cancel while "waiting", then let the real sleep observe it.
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		cancel()
		return sleepCtx(ctx, time.Hour)
	}
	_, err := c.Token(ctx, plainGrant, testSigner(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 {
		t.Errorf("error = %v, want it to keep the last *Error", err)
	}
	if ts.requests() != 1 || !slices.Equal(waits, []time.Duration{5 * time.Second}) {
		t.Errorf("requests %d, waits %v; want 1, [5s]", ts.requests(), waits)
	}

	// A context cancelled up front sends nothing.
	_, err = c.Token(ctx, plainGrant, testSigner(t))
	if !errors.Is(err, context.Canceled) || ts.requests() != 1 {
		t.Errorf("cancelled context: error %v, requests %d", err, ts.requests())
	}
}

func TestClientBaseURL(t *testing.T) {
	for _, base := range []string{"", "test.maskinporten.no", "ftp://x/"} {
		c := &Client{BaseURL: base}
		_, err := c.Token(context.Background(), plainGrant, testSigner(t))
		if err == nil || !strings.Contains(err.Error(), "not an absolute http(s) URL") {
			t.Errorf("BaseURL %q: error = %v", base, err)
		}
	}
}
