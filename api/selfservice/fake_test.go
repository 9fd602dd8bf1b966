package selfservice

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDigdir is a strict stand-in for Digdir's self-service API, used only
// until the simulator serves /selfservice/api/v1. It implements what the
// client's correctness depends on — a key POST replaces the whole set, at
// most five keys, use "sig" required, no private members, read-only client
// members refused on PUT, a scope per method on the admin token — and
// refuses everything else Digdir refuses, so a client that loses, mangles
// or over-sends keys fails the tests. It re-implements its checks rather
// than calling the package's.
type fakeDigdir struct {
	t   *testing.T
	srv *httptest.Server
	now time.Time

	mu      sync.Mutex
	clients map[string]map[string]json.RawMessage
	keys    map[string][]map[string]json.RawMessage
	log     []string           // "METHOD /path?query" of every request, in order
	bodies  []string           // the body of every request, same index
	answers []http.HandlerFunc // answers served instead of the fake, in turn
	scopes  []map[string]any   // GET /scopes/all
	access  []map[string]any   // GET /scopes/access/all
}

const (
	fakeBase  = "/api/v1"
	fakeOrgno = "313367002"
	year      = 365 * 24 * time.Hour
)

func newFakeDigdir(t *testing.T) *fakeDigdir {
	t.Helper()
	f := &fakeDigdir{
		t:       t,
		now:     time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		clients: map[string]map[string]json.RawMessage{},
		keys:    map[string][]map[string]json.RawMessage{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+fakeBase+"/clients", f.listClients)
	mux.HandleFunc("POST "+fakeBase+"/clients", f.createClient)
	mux.HandleFunc("GET "+fakeBase+"/clients/{id}", f.getClient)
	mux.HandleFunc("PUT "+fakeBase+"/clients/{id}", f.putClient)
	mux.HandleFunc("DELETE "+fakeBase+"/clients/{id}", f.deleteClient)
	mux.HandleFunc("GET "+fakeBase+"/clients/{id}/jwks", f.getJWKS)
	mux.HandleFunc("POST "+fakeBase+"/clients/{id}/jwks", f.putJWKS)
	mux.HandleFunc("PUT "+fakeBase+"/clients/{id}/jwks", f.putJWKS)
	mux.HandleFunc("DELETE "+fakeBase+"/clients/{id}/jwks", f.deleteJWKS)
	mux.HandleFunc("GET "+fakeBase+"/scopes/all", f.listScopes)
	mux.HandleFunc("GET "+fakeBase+"/scopes/access/all", f.listAccess)
	f.srv = httptest.NewTLSServer(f.front(mux))
	t.Cleanup(f.srv.Close)
	return f
}

// front logs the request, serves a queued answer if there is one, and
// otherwise checks the path and the admin token before the real handlers.
func (f *fakeDigdir) front(next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		line := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			line += "?" + r.URL.RawQuery
		}
		f.log = append(f.log, line)
		f.bodies = append(f.bodies, string(body))
		var answer http.HandlerFunc
		if len(f.answers) > 0 {
			answer, f.answers = f.answers[0], f.answers[1:]
		}
		f.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			f.t.Errorf("%s: the v1 API has no trailing slashes", line)
			http.NotFound(w, r)
			return
		}
		if !f.authorized(w, r) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		next.ServeHTTP(w, r)
	}
}

// Tokens of testTokens name their scopes, so the fake can check them.
const tokenPrefix = "test-admin-token:"

func (f *fakeDigdir) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "+tokenPrefix)
	if !ok {
		f.fail(w, http.StatusUnauthorized, fieldErr{msg: "Full authentication is required to access this resource"})
		return false
	}
	need := "idporten:dcr.write"
	if r.Method == http.MethodGet {
		need = "idporten:dcr.read"
	}
	if !slices.Contains(strings.Split(tok, " "), need) {
		f.fail(w, http.StatusForbidden, fieldErr{msg: "Access denied: missing scope " + need})
		return false
	}
	return true
}

type fieldErr struct{ field, msg string }

// fail answers in the self-service API's error format.
func (f *fakeDigdir) fail(w http.ResponseWriter, status int, errs ...fieldErr) {
	type item struct {
		ErrorMessage    string `json:"errorMessage"`
		IsFieldError    bool   `json:"isFieldError"`
		ObjectName      string `json:"objectName"`
		FieldIdentifier string `json:"fieldIdentifier,omitempty"`
	}
	var items []item
	var desc strings.Builder
	for _, e := range errs {
		items = append(items, item{e.msg, e.field != "", "Client", e.field})
		desc.WriteString(", " + e.msg)
	}
	writeJSON(w, status, map[string]any{
		"status": status, "timestamp": f.now.Format(time.RFC3339Nano),
		"correlation_id": "0123456789abcdef0123456789abcdef",
		"errors":         items, "error": desc.String(), "error_description": desc.String(),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// queue makes the next requests get these answers instead of the fake's.
func (f *fakeDigdir) queue(h ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, h...)
}

// requests returns the request lines seen so far.
func (f *fakeDigdir) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// lastBody returns the body of the last request with this line.
func (f *fakeDigdir) lastBody(line string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.log) - 1; i >= 0; i-- {
		if f.log[i] == line {
			return f.bodies[i]
		}
	}
	f.t.Fatalf("no request %q in %q", line, f.log)
	return ""
}

func (f *fakeDigdir) stamp() json.RawMessage {
	return raw(f.now.Format("2006-01-02T15:04:05.000-07:00"))
}

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// seedClient stores a client as Digdir would have it, plus members, and
// returns its id.
func (f *fakeDigdir) seedClient(members map[string]any) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := newUUID()
	c := map[string]json.RawMessage{
		"client_id": raw(id), "client_name": raw("ACME - sync - test"), "description": raw("seeded"),
		"scopes":                 raw([]string{"altinn:authentication/systemuser.request.write"}),
		"authorization_lifetime": raw(0), "access_token_lifetime": raw(0), "refresh_token_lifetime": raw(0),
		"refresh_token_usage": raw("ONETIME"), "frontchannel_logout_session_required": raw(false),
		"token_endpoint_auth_method": raw("private_key_jwt"),
		"grant_types":                raw([]string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}),
		"integration_type":           raw("maskinporten"), "application_type": raw("web"),
		"client_orgno": raw(fakeOrgno), "active": raw(true),
		"created": raw("2021-09-15T10:20:43.354+02:00"), "last_updated": raw("2021-09-15T10:20:43.354+02:00"),
	}
	for k, v := range members {
		c[k] = raw(v)
	}
	f.clients[id] = c
	return id
}

// seedKeys stores keys as given, like keys registered before Digdir
// started to require use.
func (f *fakeDigdir) seedKeys(id string, keys ...map[string]json.RawMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[id] = keys
}

// storedKeys returns the client's key set as the fake holds it.
func (f *fakeDigdir) storedKeys(id string) []map[string]json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.keys[id])
}

// storedClient returns the client's members as the fake holds them.
func (f *fakeDigdir) storedClient(id string) map[string]json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.clients[id])
}

func (f *fakeDigdir) client(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	c, ok := f.clients[r.PathValue("id")]
	if !ok || string(c["active"]) != "true" {
		f.fail(w, http.StatusNotFound, fieldErr{msg: "Client not found"})
		return nil, false
	}
	return c, true
}

func (f *fakeDigdir) listClients(w http.ResponseWriter, r *http.Request) {
	out := []map[string]json.RawMessage{}
	for _, c := range f.clients {
		if string(c["active"]) == "true" {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeDigdir) getClient(w http.ResponseWriter, r *http.Request) {
	if c, ok := f.client(w, r); ok {
		writeJSON(w, http.StatusOK, c)
	}
}

func decodeObject(r *http.Request) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	err := json.NewDecoder(r.Body).Decode(&m)
	return m, err
}

func (f *fakeDigdir) createClient(w http.ResponseWriter, r *http.Request) {
	c, err := decodeObject(r)
	if err != nil {
		f.fail(w, http.StatusBadRequest, fieldErr{msg: "Malformed JSON"})
		return
	}
	var errs []fieldErr
	for _, ro := range []string{"client_id", "created", "last_updated", "client_orgno"} {
		if _, ok := c[ro]; ok {
			errs = append(errs, fieldErr{ro, "must not be set"})
		}
	}
	want := map[string]string{
		"integration_type": `"maskinporten"`, "application_type": `"web"`,
		"token_endpoint_auth_method": `"private_key_jwt"`,
		"grant_types":                `["urn:ietf:params:oauth:grant-type:jwt-bearer"]`,
	}
	for k, v := range want {
		if string(c[k]) != v {
			errs = append(errs, fieldErr{k, "must be " + v + " for a Maskinporten client"})
		}
	}
	for _, k := range []string{"client_name", "description"} {
		if isZeroJSON(c[k]) {
			errs = append(errs, fieldErr{k, "must not be empty"})
		}
	}
	if len(errs) > 0 {
		f.fail(w, http.StatusBadRequest, errs...)
		return
	}
	id := newUUID()
	c["client_id"], c["client_orgno"], c["active"] = raw(id), raw(fakeOrgno), raw(true)
	c["created"], c["last_updated"] = f.stamp(), f.stamp()
	c["access_token_lifetime"], c["refresh_token_usage"] = raw(0), raw("ONETIME")
	f.clients[id] = c
	writeJSON(w, http.StatusCreated, c)
}

func (f *fakeDigdir) putClient(w http.ResponseWriter, r *http.Request) {
	old, ok := f.client(w, r)
	if !ok {
		return
	}
	c, err := decodeObject(r)
	if err != nil {
		f.fail(w, http.StatusBadRequest, fieldErr{msg: "Malformed JSON"})
		return
	}
	var errs []fieldErr
	for _, ro := range []string{"created", "last_updated"} {
		if _, ok := c[ro]; ok {
			errs = append(errs, fieldErr{ro, "is read-only: remove it"})
		}
	}
	if string(c["integration_type"]) != string(old["integration_type"]) {
		errs = append(errs, fieldErr{"integration_type", "cannot be changed"})
	}
	if id, ok := c["client_id"]; ok && string(id) != string(raw(r.PathValue("id"))) {
		errs = append(errs, fieldErr{"client_id", "does not match the path"})
	}
	if len(errs) > 0 {
		f.fail(w, http.StatusBadRequest, errs...)
		return
	}
	c["client_id"], c["created"], c["last_updated"] = old["client_id"], old["created"], f.stamp()
	f.clients[r.PathValue("id")] = c
	writeJSON(w, http.StatusOK, c)
}

func (f *fakeDigdir) deleteClient(w http.ResponseWriter, r *http.Request) {
	if c, ok := f.client(w, r); ok {
		c["active"] = raw(false) // soft delete, as Digdir does
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeDigdir) writeJWKS(w http.ResponseWriter, id string) {
	keys := f.keys[id]
	if keys == nil {
		keys = []map[string]json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"keys": keys, "created": "2024-01-10T09:00:00.000+01:00", "last_updated": f.stamp(),
	})
}

func (f *fakeDigdir) getJWKS(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.client(w, r); ok {
		f.writeJWKS(w, r.PathValue("id"))
	}
}

var (
	fakeKIDRE      = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	fakePrivate    = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
	fakeAlgorithms = []string{`"RS256"`, `"RS384"`, `"RS512"`}
)

// putJWKS replaces the whole set, as Digdir does.
func (f *fakeDigdir) putJWKS(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.client(w, r); !ok {
		return
	}
	var body struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		f.fail(w, http.StatusBadRequest, fieldErr{"keys", "expected {\"keys\":[...]}"})
		return
	}
	if errs := checkKeySet(body.Keys); len(errs) > 0 {
		f.fail(w, http.StatusBadRequest, errs...)
		return
	}
	limit := f.now.Add(year).Unix()
	for _, k := range body.Keys {
		exp := limit
		var sent int64
		if json.Unmarshal(k["exp"], &sent) == nil && sent != 0 {
			exp = min(sent, limit)
		}
		k["exp"] = raw(exp)
	}
	f.keys[r.PathValue("id")] = body.Keys
	f.writeJWKS(w, r.PathValue("id"))
}

func checkKeySet(keys []map[string]json.RawMessage) []fieldErr {
	switch {
	case len(keys) == 0:
		return []fieldErr{{"keys", "must not be empty"}}
	case len(keys) > 5:
		return []fieldErr{{"keys", fmt.Sprintf("a client can have at most 5 keys, got %d", len(keys))}}
	}
	var errs []fieldErr
	seen := map[string]bool{}
	for i, k := range keys {
		at := func(m string) string { return fmt.Sprintf("keys[%d].%s", i, m) }
		var kid string
		json.Unmarshal(k["kid"], &kid)
		switch {
		case string(k["kty"]) != `"RSA"`:
			errs = append(errs, fieldErr{at("kty"), "must be RSA"})
		case !fakeKIDRE.MatchString(kid):
			errs = append(errs, fieldErr{at("kid"), "invalid kid"})
		case seen[kid]:
			errs = append(errs, fieldErr{at("kid"), "duplicate kid"})
		case string(k["use"]) != `"sig"`:
			errs = append(errs, fieldErr{at("use"), "must be sig"})
		case !slices.Contains(fakeAlgorithms, string(k["alg"])):
			errs = append(errs, fieldErr{at("alg"), "must be RS256, RS384 or RS512"})
		case isZeroJSON(k["n"]) || isZeroJSON(k["e"]):
			errs = append(errs, fieldErr{at("n"), "n and e are required"})
		}
		seen[kid] = true
		for _, p := range fakePrivate {
			if _, ok := k[p]; ok {
				errs = append(errs, fieldErr{at(p), "private key material must not be uploaded"})
			}
		}
	}
	return errs
}

func (f *fakeDigdir) deleteJWKS(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.client(w, r); ok {
		delete(f.keys, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeDigdir) listScopes(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, s := range f.scopes {
		if r.URL.Query().Get("accessible_for_all") == "true" && s["accessible_for_all"] != true {
			continue
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeDigdir) listAccess(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, f.access)
}
