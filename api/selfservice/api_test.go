package selfservice_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
)

// A realistic error body of the v1 API (reference §5.4).
const scopeErrorBody = `{"status":400,"timestamp":"2025-07-02T08:30:00.000000000Z",` +
	`"correlation_id":"b496e785cbd430eee802c1eaafa76f46","errors":[` +
	`{"errorMessage":"Scope 'acme:secret' is not available for client org","isFieldError":true,"objectName":"Client","fieldIdentifier":"scopes"},` +
	`{"errorMessage":"must not be blank","isFieldError":true,"objectName":"Client","fieldIdentifier":"description"},` +
	`{"errorMessage":"Invalid request","isFieldError":false,"objectName":"Client"}],` +
	`"error":", Scope 'acme:secret' is not available for client org, must not be blank",` +
	`"error_description":", Scope 'acme:secret' is not available for client org, must not be blank"}`

// Answers the simulator does not give (another wording, no body, HTML from
// a proxy), read the way a failed call reads them.
func TestParseError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantErr    string
		wantFields []selfservice.FieldError
		wantCorr   string
		wantHint   string
	}{
		{
			name: "field errors", status: 400, body: scopeErrorBody,
			wantErr: "self-service API: scopes: Scope 'acme:secret' is not available for client org; description: must not be blank; Invalid request",
			wantFields: []selfservice.FieldError{
				{Field: "scopes", Message: "Scope 'acme:secret' is not available for client org"},
				{Field: "description", Message: "must not be blank"},
				{Message: "Invalid request"},
			},
			wantCorr: "b496e785cbd430eee802c1eaafa76f46",
		},
		{
			name: "description only", status: 409,
			body:       `{"status":409,"correlation_id":"c1","error":"conflict","error_description":", Client already exists"}`,
			wantErr:    "self-service API: Client already exists",
			wantFields: []selfservice.FieldError{{Message: "Client already exists"}}, wantCorr: "c1",
		},
		{
			name: "401", status: 401,
			body:       `{"status":401,"errors":[],"error":"unauthorized","error_description":"Full authentication is required"}`,
			wantErr:    "self-service API: Full authentication is required",
			wantFields: []selfservice.FieldError{{Message: "Full authentication is required"}},
			wantHint:   "the admin token was refused: is the admin client's key registered and are its idporten:dcr.* scopes granted? check `systembruker admin set`",
		},
		{
			name: "403 without body", status: 403, body: ``,
			wantErr:  "self-service API: POST /clients: HTTP 403 Forbidden",
			wantHint: "the admin client may not do this: it needs idporten:dcr.write (create/update/delete, keys) or idporten:dcr.read (reads)",
		},
		{
			name: "HTML 500", status: 500, body: "<html><body>Internal Server Error</body></html>",
			wantErr:  "self-service API: POST /clients: HTTP 500 Internal Server Error (the answer was not JSON)",
			wantHint: "Digdir's self-service API is busy or down: try again in a few minutes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := selfservice.ParseError("POST", "/clients", tt.status, []byte(tt.body))
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
		})
	}
}

func TestParseErrorRedactsJWTs(t *testing.T) {
	e := selfservice.ParseError("GET", "/scopes/access/all", 400, []byte(`{"error_description":"bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}`))
	if strings.Contains(e.Verbose(), "eyJ") || strings.Contains(e.Error(), "eyJzdWIi") {
		t.Errorf("a JWT survives in the error: %q / %q", e.Error(), e.Verbose())
	}
}

var correlationRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// The simulator's refusals, as the user sees them.
func TestErrors(t *testing.T) {
	badBody := func(h *harness) error {
		c := selfservice.NewMaskinportenClient(" ", "d", []string{scopeVAT, "acme:nope"})
		_, err := h.api.CreateClient(t.Context(), c)
		return err
	}
	tests := []struct {
		name       string
		setup      func(h *harness)
		call       func(h *harness) error
		status     int
		wantFields []selfservice.FieldError
		wantInErr  string
		wantHint   string // prefix
	}{
		{
			name: "field errors", call: badBody, status: 400,
			wantFields: []selfservice.FieldError{
				{Field: "client_name", Message: "must not be blank"},
				{Field: "scopes", Message: `scope "acme:nope" does not exist`},
			},
			wantInErr: `self-service API: client_name: must not be blank; scopes: scope "acme:nope" does not exist`,
		},
		{
			name: "refused admin token",
			setup: func(h *harness) {
				h.api = h.newAPI(&http.Client{Transport: h.rec}, fixedToken("eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln"))
			},
			call:   func(h *harness) error { _, err := h.api.ListClients(t.Context()); return err },
			status: 401, wantInErr: "Full authentication is required",
			wantHint: "the admin token was refused",
		},
		{
			name:  "token without dcr.write",
			setup: func(h *harness) { h.tokens.force = []string{selfservice.ScopeRead} },
			call:  badBody, status: 403, wantInErr: "idporten:dcr.write",
			wantHint: "the admin client may not do this",
		},
		{
			name:   "unknown client",
			call:   func(h *harness) error { _, err := h.api.GetClient(t.Context(), newUUID()); return err },
			status: 404, wantInErr: "not found",
			wantHint: "check the client id with `systembruker client list`",
		},
		{
			name:   "server error",
			setup:  func(h *harness) { h.fault("/clients", map[string]any{"status": 500, "count": 1}) },
			call:   badBody,
			status: 500, wantInErr: "HTTP 500 Internal Server Error (the answer was not JSON)",
			wantHint: "Digdir's self-service API is busy or down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			err := tt.call(h)
			var e *selfservice.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Status != tt.status || !strings.Contains(e.Error(), tt.wantInErr) || !strings.HasPrefix(e.Hint(), tt.wantHint) {
				t.Errorf("HTTP %d %q, hint %q; want %d, %q, a hint starting %q", e.Status, e.Error(), e.Hint(), tt.status, tt.wantInErr, tt.wantHint)
			}
			if tt.wantFields != nil && !slices.Equal(e.Fields, tt.wantFields) {
				t.Errorf("Fields = %q, want %q", e.Fields, tt.wantFields)
			}
			if tt.status != 500 && !correlationRE.MatchString(e.CorrelationID) {
				t.Errorf("CorrelationID %q", e.CorrelationID)
			}
			for _, s := range []string{e.Error(), e.Hint(), e.Verbose()} {
				if h.tokens.leaks(s) || strings.Contains(s, "eyJ4Ijox") {
					t.Errorf("the admin token leaks into %q", s)
				}
			}
			if n := len(h.rec.requests()); n != 1 {
				t.Errorf("requests %q, want 1: nothing is retried on these answers", h.rec.requests())
			}
		})
	}
}

func TestGetRetries(t *testing.T) {
	tests := []struct {
		name      string
		faults    []map[string]any
		wantErr   bool
		wantWaits []time.Duration
		wantReqs  int
	}{
		{
			name: "503 with Retry-After, then 429, then success",
			faults: []map[string]any{
				{"status": 503, "retry_after_seconds": 2, "count": 1},
				{"status": 429, "count": 1},
			},
			wantWaits: []time.Duration{2 * time.Second, 2 * selfservice.FirstBackoff},
			wantReqs:  3,
		},
		{
			name:      "gives up after three retries",
			faults:    []map[string]any{{"status": 502, "count": 4}},
			wantErr:   true,
			wantWaits: []time.Duration{selfservice.FirstBackoff, 2 * selfservice.FirstBackoff, 4 * selfservice.FirstBackoff},
			wantReqs:  4,
		},
		{
			name:     "Retry-After too long",
			faults:   []map[string]any{{"status": 503, "retry_after_seconds": 3600, "count": 1}},
			wantErr:  true,
			wantReqs: 1,
		},
		{
			name:     "no retry on 400",
			faults:   []map[string]any{{"status": 400, "count": 1}},
			wantErr:  true,
			wantReqs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for _, f := range tt.faults {
				h.fault("/clients", f)
			}
			_, err := h.api.ListClients(t.Context())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if !slices.Equal(h.waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", h.waits, tt.wantWaits)
			}
			if n := len(h.rec.requests()); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

// A write whose connection broke after the request went out must not be
// repeated: Digdir may have acted on it.
func TestWriteNotRetriedOnceSent(t *testing.T) {
	h := newHarness(t)
	h.fault("/clients", map[string]any{"close_connection": true, "count": 1})
	_, err := h.api.CreateClient(t.Context(), selfservice.NewMaskinportenClient("dropped", "d", nil))
	if err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if n := len(h.rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if n := h.clientsNamed("dropped"); n != 0 {
		t.Errorf("%d clients made, want none: the dropped request was sent again", n)
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
	tr := h.inst.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = refused
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	a := h.newAPI(&http.Client{Transport: tr}, h.tokens)
	if _, err := a.CreateClient(t.Context(), selfservice.NewMaskinportenClient("retried", "d", []string{scopeVAT})); err != nil {
		t.Fatalf("CreateClient after a refused dial: %v", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials, want 2 (refused, then the server)", n)
	}
	if n := h.clientsNamed("retried"); n != 1 {
		t.Errorf("%d clients made, want 1", n)
	}
}

// Each call asks for the one scope it needs, and the simulator, which
// checks the token's scopes itself, lets every call through.
func TestScopesPerCall(t *testing.T) {
	read, write := []string{selfservice.ScopeRead}, []string{selfservice.ScopeWrite}
	h := newHarness(t)
	id := h.newClient("one", scopeVAT).ClientID
	other := h.newClient("other").ClientID
	if _, err := h.api.ReplaceJWKS(t.Context(), other, []selfservice.JWK{publicJWK(3, "only")}); err != nil {
		t.Fatal(err)
	}
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
			_, err := h.api.CreateClient(c, selfservice.NewMaskinportenClient("n", "d", nil))
			return err
		}, [][]string{write}},
		{"UpdateClient", func(c context.Context) error {
			_, err := h.api.UpdateClient(c, stored)
			return err
		}, [][]string{write}},
		{"GetJWKS", func(c context.Context) error { _, err := h.api.GetJWKS(c, id); return err }, [][]string{read}},
		{"AddKey", func(c context.Context) error { _, err := h.api.AddKey(c, id, publicJWK(0, "k")); return err }, [][]string{read, write}},
		{"ReplaceJWKS", func(c context.Context) error {
			_, err := h.api.ReplaceJWKS(c, id, []selfservice.JWK{publicJWK(0, "k"), publicJWK(1, "k2")})
			return err
		}, [][]string{write}},
		{"RemoveKey", func(c context.Context) error { _, err := h.api.RemoveKey(c, id, "k"); return err }, [][]string{read, write}},
		{"RemoveKey last", func(c context.Context) error { _, err := h.api.RemoveKey(c, other, "only"); return err }, [][]string{read, write}},
		{"DeleteJWKS", func(c context.Context) error { return h.api.DeleteJWKS(c, id) }, [][]string{write}},
		{"ListScopes", func(c context.Context) error { _, err := h.api.ListScopes(c, true); return err }, [][]string{read}},
		{"ListScopeAccess", func(c context.Context) error { _, err := h.api.ListScopeAccess(c); return err }, [][]string{read}},
		{"DeleteClient", func(c context.Context) error { return h.api.DeleteClient(c, id) }, [][]string{write}},
	}
	for _, tt := range tests { // in order: they share the simulator's state
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
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), selfservice.ScopeRead) {
		t.Errorf("err = %v, want it to wrap the token error and name the scope", err)
	}
	if r := h.rec.requests(); len(r) != 0 {
		t.Errorf("requests %q without a token, want none", r)
	}
}

func TestScopes(t *testing.T) {
	h := newHarness(t)
	h.addScope("acme:open", []string{"maskinporten"}, true)
	h.addScope("acme:idporten", []string{"idporten"}, true)
	h.addScope("acme:private", []string{"maskinporten"}, false, vendorOrg)

	open, err := h.api.ListScopes(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.rec.requests(); r[len(r)-1] != "GET /scopes/all?accessible_for_all=true" {
		t.Errorf("request %q", r[len(r)-1])
	}
	byName := func(ss []selfservice.Scope, name string) (selfservice.Scope, bool) {
		i := slices.IndexFunc(ss, func(s selfservice.Scope) bool { return s.Name == name })
		if i < 0 {
			return selfservice.Scope{}, false
		}
		return ss[i], true
	}
	want := selfservice.Scope{Name: "acme:open", Prefix: "acme", Subscope: "open", OwnerOrgno: skatteetat, Visibility: "PUBLIC",
		AllowedIntegrationTypes: []string{"maskinporten"}, AccessibleForAll: true, Active: true}
	if got, ok := byName(open, "acme:open"); !ok || !got.AllowsMaskinporten() || !reflect.DeepEqual(got, want) {
		t.Errorf("acme:open listed as %+v, want %+v", got, want)
	}
	if got, ok := byName(open, "acme:idporten"); !ok || got.AllowsMaskinporten() {
		t.Errorf("acme:idporten listed as %+v (%v), want it, not for Maskinporten", got, ok)
	}
	for _, s := range open {
		if !s.AccessibleForAll {
			t.Errorf("ListScopes(true) lists %s, which is not accessible for all", s.Name)
		}
	}
	all, err := h.api.ListScopes(t.Context(), false)
	if _, ok := byName(all, "acme:private"); err != nil || !ok || len(all) <= len(open) {
		t.Errorf("ListScopes(false): %d scopes, %v; want more than the %d open ones, acme:private among them", len(all), err, len(open))
	}

	acc, err := h.api.ListScopeAccess(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantAcc := selfservice.ScopeAccess{Scope: "acme:private", State: selfservice.AccessApproved, ConsumerOrgno: vendorOrg, OwnerOrgno: skatteetat}
	if !slices.Contains(acc, wantAcc) {
		t.Errorf("ListScopeAccess = %+v, want %+v among them", acc, wantAcc)
	}
	if slices.ContainsFunc(acc, func(a selfservice.ScopeAccess) bool { return a.Scope == "acme:open" }) {
		t.Error("ListScopeAccess lists acme:open, which was never granted")
	}
}

func TestNewRefusesBadBase(t *testing.T) {
	for _, base := range []string{"", "api.test.samarbeid.digdir.no/api/v1", "ftp://x/api/v1", "https://x/api/v1?x=1"} {
		if _, err := selfservice.New(base, fixedToken("t"), nil); err == nil {
			t.Errorf("New(%q): no error", base)
		}
	}
	a, err := selfservice.New("https://api.test.samarbeid.digdir.no/api/v1/", fixedToken("t"), nil)
	if err != nil || selfservice.BaseOf(a) != "https://api.test.samarbeid.digdir.no/api/v1" {
		t.Errorf("New with a trailing slash: %v", err)
	}
}
