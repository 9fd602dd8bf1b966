package selfservice

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A realistic error body of the v1 API (reference §5.4).
const scopeErrorBody = `{"status":400,"timestamp":"2025-07-02T08:30:00.000000000Z",` +
	`"correlation_id":"b496e785cbd430eee802c1eaafa76f46","errors":[` +
	`{"errorMessage":"Scope 'acme:secret' is not available for client org","isFieldError":true,"objectName":"Client","fieldIdentifier":"scopes"},` +
	`{"errorMessage":"must not be blank","isFieldError":true,"objectName":"Client","fieldIdentifier":"description"},` +
	`{"errorMessage":"Invalid request","isFieldError":false,"objectName":"Client"}],` +
	`"error":", Scope 'acme:secret' is not available for client org, must not be blank",` +
	`"error_description":", Scope 'acme:secret' is not available for client org, must not be blank"}`

func answer(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		ctype      string
		body       string
		wantErr    string
		wantFields []FieldError
		wantCorr   string
		wantHint   string
	}{
		{
			name: "field errors", status: 400, ctype: "application/json", body: scopeErrorBody,
			wantErr: "self-service API: scopes: Scope 'acme:secret' is not available for client org; description: must not be blank; Invalid request",
			wantFields: []FieldError{
				{"scopes", "Scope 'acme:secret' is not available for client org"},
				{"description", "must not be blank"},
				{"", "Invalid request"},
			},
			wantCorr: "b496e785cbd430eee802c1eaafa76f46",
		},
		{
			name: "description only", status: 409, ctype: "application/json",
			body:       `{"status":409,"correlation_id":"c1","error":"conflict","error_description":", Client already exists"}`,
			wantErr:    "self-service API: Client already exists",
			wantFields: []FieldError{{"", "Client already exists"}}, wantCorr: "c1",
		},
		{
			name: "401", status: 401, ctype: "application/json",
			body:       `{"status":401,"errors":[],"error":"unauthorized","error_description":"Full authentication is required"}`,
			wantErr:    "self-service API: Full authentication is required",
			wantFields: []FieldError{{"", "Full authentication is required"}},
			wantHint:   "the admin token was refused: is the admin client's key registered and are its idporten:dcr.* scopes granted? check `systembruker admin set`",
		},
		{
			name: "403 without body", status: 403, ctype: "application/json", body: ``,
			wantErr:  "self-service API: POST /clients: HTTP 403 Forbidden",
			wantHint: "the admin client may not do this: it needs idporten:dcr.write (create/update/delete, keys) or idporten:dcr.read (reads)",
		},
		{
			name: "HTML 500", status: 500, ctype: "text/html", body: "<html><body>Internal Server Error</body></html>",
			wantErr:  "self-service API: POST /clients: HTTP 500 Internal Server Error (the answer was not JSON)",
			wantHint: "Digdir's self-service API is busy or down: try again in a few minutes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.queue(answer(tt.status, tt.ctype, tt.body))
			_, err := h.api.CreateClient(t.Context(), NewMaskinportenClient("n", "d", []string{"acme:secret"}))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Error() != tt.wantErr {
				t.Errorf("Error()\n got %q\nwant %q", e.Error(), tt.wantErr)
			}
			if !slices.Equal(e.Fields, tt.wantFields) {
				t.Errorf("Fields = %q, want %q", e.Fields, tt.wantFields)
			}
			if e.Status != tt.status || e.CorrelationID != tt.wantCorr || string(e.Body) != tt.body {
				t.Errorf("Status, CorrelationID, Body = %d, %q, %q; want %d, %q, the raw body", e.Status, e.CorrelationID, e.Body, tt.status, tt.wantCorr)
			}
			if tt.wantHint != "" && e.Hint() != tt.wantHint {
				t.Errorf("Hint()\n got %q\nwant %q", e.Hint(), tt.wantHint)
			}
			for _, s := range []string{e.Error(), e.Hint(), e.Verbose()} {
				if strings.Contains(s, tokenPrefix) {
					t.Errorf("the admin token leaks into %q", s)
				}
			}
			if n := len(h.fake.requests()); n != 1 {
				t.Errorf("%d requests, want 1: writes are not retried on an answer", n)
			}
		})
	}
}

func TestErrorBodyRedactsJWTs(t *testing.T) {
	h := newHarness(t)
	h.fake.queue(answer(400, "application/json", `{"error_description":"bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}`))
	_, err := h.api.ListScopeAccess(t.Context())
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if strings.Contains(e.Verbose(), "eyJ") || strings.Contains(e.Error(), "eyJzdWIi") {
		t.Errorf("a JWT survives in the error: %q / %q", e.Error(), e.Verbose())
	}
}

func TestGetRetries(t *testing.T) {
	tests := []struct {
		name      string
		answers   []http.HandlerFunc
		wantErr   bool
		wantWaits []time.Duration
		wantReqs  int
	}{
		{
			name: "503 with Retry-After, then 429, then success",
			answers: []http.HandlerFunc{
				func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "2")
					w.WriteHeader(503)
				},
				answer(429, "text/plain", "slow down"),
			},
			wantWaits: []time.Duration{2 * time.Second, 2 * firstBackoff},
			wantReqs:  3,
		},
		{
			name: "gives up after three retries",
			answers: []http.HandlerFunc{
				answer(502, "text/html", "<html>"), answer(502, "text/html", "<html>"),
				answer(502, "text/html", "<html>"), answer(502, "text/html", "<html>"),
			},
			wantErr:   true,
			wantWaits: []time.Duration{firstBackoff, 2 * firstBackoff, 4 * firstBackoff},
			wantReqs:  4,
		},
		{
			name: "Retry-After too long",
			answers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(503)
			}},
			wantErr:  true,
			wantReqs: 1,
		},
		{
			name:     "no retry on 400",
			answers:  []http.HandlerFunc{answer(400, "application/json", `{"error":"bad"}`)},
			wantErr:  true,
			wantReqs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.queue(tt.answers...)
			_, err := h.api.ListClients(t.Context())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if !slices.Equal(h.waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", h.waits, tt.wantWaits)
			}
			if n := len(h.fake.requests()); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

// A write whose connection broke after the request went out must not be
// repeated: Digdir may have acted on it.
func TestWriteNotRetriedOnceSent(t *testing.T) {
	h := newHarness(t)
	h.fake.queue(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	})
	_, err := h.api.CreateClient(t.Context(), NewMaskinportenClient("n", "d", nil))
	if err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if n := len(h.fake.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A write whose connection failed before anything was sent is retried.
func TestWriteRetriedWhenNothingWasSent(t *testing.T) {
	h := newHarness(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close() // dials to it are refused
	var dials atomic.Int32
	tr := h.fake.srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = refused
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	a, err := New(h.fake.srv.URL+fakeBase, h.tokens, &http.Client{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = h.api.sleep

	if _, err := a.CreateClient(t.Context(), NewMaskinportenClient("n", "d", []string{"s:x"})); err != nil {
		t.Fatalf("CreateClient after a refused dial: %v", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials, want 2 (refused, then the server)", n)
	}
	if n := countOf(h.fake.requests(), "POST"); n != 1 {
		t.Errorf("%d POSTs reached the server, want 1", n)
	}
}

func TestScopesPerCall(t *testing.T) {
	read, write := []string{ScopeRead}, []string{ScopeWrite}
	h := newHarness(t)
	id := h.fake.seedClient(nil)
	other := h.fake.seedClient(nil)
	h.fake.seedKeys(other, currentKey(3, "only", h.fake.now.Add(time.Hour).Unix()))
	stored, err := h.api.GetClient(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func(context.Context) error
		want [][]string
	}{
		{"ListClients", func(c context.Context) error { _, err := h.api.ListClients(c); return err }, [][]string{read}},
		{"GetClient", func(c context.Context) error { _, err := h.api.GetClient(c, id); return err }, [][]string{read}},
		{"CreateClient", func(c context.Context) error {
			_, err := h.api.CreateClient(c, NewMaskinportenClient("n", "d", nil))
			return err
		}, [][]string{write}},
		{"UpdateClient", func(c context.Context) error {
			_, err := h.api.UpdateClient(c, stored)
			return err
		}, [][]string{write}},
		{"GetJWKS", func(c context.Context) error { _, err := h.api.GetJWKS(c, id); return err }, [][]string{read}},
		{"AddKey", func(c context.Context) error { _, err := h.api.AddKey(c, id, publicJWK(0, "k")); return err }, [][]string{read, write}},
		{"ReplaceJWKS", func(c context.Context) error {
			_, err := h.api.ReplaceJWKS(c, id, []JWK{publicJWK(0, "k"), publicJWK(1, "k2")})
			return err
		}, [][]string{write}},
		{"RemoveKey", func(c context.Context) error { _, err := h.api.RemoveKey(c, id, "k"); return err }, [][]string{read, write}},
		{"RemoveKey last", func(c context.Context) error { _, err := h.api.RemoveKey(c, other, "only"); return err }, [][]string{read, write}},
		{"DeleteJWKS", func(c context.Context) error { return h.api.DeleteJWKS(c, id) }, [][]string{write}},
		{"ListScopes", func(c context.Context) error { _, err := h.api.ListScopes(c, true); return err }, [][]string{read}},
		{"ListScopeAccess", func(c context.Context) error { _, err := h.api.ListScopeAccess(c); return err }, [][]string{read}},
		{"DeleteClient", func(c context.Context) error { return h.api.DeleteClient(c, id) }, [][]string{write}},
	}
	for _, tt := range tests { // in order: they share the fake's state
		h.tokens.take()
		if err := tt.call(t.Context()); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := h.tokens.take(); !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("%s asked for scopes %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTokenErrorStopsTheCall(t *testing.T) {
	h := newHarness(t)
	cause := errors.New("maskinporten: key expired")
	h.tokens.err = cause
	_, err := h.api.ListClients(t.Context())
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), ScopeRead) {
		t.Errorf("err = %v, want it to wrap the token error and name the scope", err)
	}
	if r := h.fake.requests(); len(r) != 0 {
		t.Errorf("requests %q without a token, want none", r)
	}
}

func TestScopes(t *testing.T) {
	h := newHarness(t)
	h.fake.scopes = []map[string]any{
		{"name": "altinn:authentication/systemuser.request.write", "prefix": "altinn", "subscope": "authentication/systemuser.request.write",
			"description": "d", "allowed_integration_types": []string{"maskinporten"}, "accessible_for_all": true, "active": true},
		{"name": "idporten:only", "allowed_integration_types": []string{"idporten"}, "accessible_for_all": true},
		{"name": "skatteetaten:private", "allowed_integration_types": []string{"maskinporten"}, "accessible_for_all": false},
	}
	h.fake.access = []map[string]any{
		{"scope": "skatteetaten:private", "state": "APPROVED", "consumer_orgno": fakeOrgno, "owner_orgno": "974761076",
			"created": "2025-01-01T00:00:00Z", "last_updated": "2025-01-01T00:00:00Z"},
	}
	all, err := h.api.ListScopes(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !all[0].AllowsMaskinporten() || all[1].AllowsMaskinporten() || !all[0].AccessibleForAll {
		t.Errorf("ListScopes(true) = %+v, want the two open scopes, the first for Maskinporten", all)
	}
	if r := h.fake.requests(); r[len(r)-1] != "GET "+fakeBase+"/scopes/all?accessible_for_all=true" {
		t.Errorf("request %q", r[len(r)-1])
	}
	if all, _ := h.api.ListScopes(t.Context(), false); len(all) != 3 {
		t.Errorf("ListScopes(false) gave %d scopes, want 3", len(all))
	}
	acc, err := h.api.ListScopeAccess(t.Context())
	want := ScopeAccess{Scope: "skatteetaten:private", State: AccessApproved, ConsumerOrgno: fakeOrgno, OwnerOrgno: "974761076"}
	if err != nil || len(acc) != 1 || acc[0] != want {
		t.Errorf("ListScopeAccess = %+v, %v; want [%+v]", acc, err, want)
	}
}

func TestNewRefusesBadBase(t *testing.T) {
	for _, base := range []string{"", "api.test.samarbeid.digdir.no/api/v1", "ftp://x/api/v1", "https://x/api/v1?x=1"} {
		if _, err := New(base, &testTokens{}, nil); err == nil {
			t.Errorf("New(%q): no error", base)
		}
	}
	a, err := New("https://api.test.samarbeid.digdir.no/api/v1/", &testTokens{}, nil)
	if err != nil || a.base != "https://api.test.samarbeid.digdir.no/api/v1" {
		t.Errorf("New with a trailing slash: base %q, %v", a.base, err)
	}
}
