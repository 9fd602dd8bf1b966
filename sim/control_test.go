package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	e := newEnv(t, Config{})
	jwk := e.inst.URLs.Maskinporten + "/jwk"
	e.control("POST", "/faults", map[string]any{"path_prefix": "/maskinporten/", "status": 503, "count": 2,
		"retry_after_seconds": 7}, http.StatusCreated, nil)
	for i := 0; i < 2; i++ {
		resp, err := e.http.Get(jwk)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" {
			t.Errorf("request %d: %d Retry-After %q, want 503 and 7", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if code, _ := e.do("GET", jwk, nil, nil); code != http.StatusOK {
		t.Errorf("after the faults: %d, want 200", code)
	}

	// A dropped connection, and faults only where the prefix matches.
	e.control("POST", "/faults", map[string]any{"path_prefix": "/maskinporten/token", "count": 1,
		"close_connection": true}, http.StatusCreated, nil)
	if code, _ := e.do("GET", jwk, nil, nil); code != http.StatusOK {
		t.Errorf("other path: %d, want 200", code)
	}
	resp, err := e.http.Post(e.inst.URLs.Maskinporten+"/token", "application/x-www-form-urlencoded", strings.NewReader("a=b"))
	if err == nil {
		resp.Body.Close()
		t.Errorf("dropped connection: got %d, want a transport error", resp.StatusCode)
	}

	// DELETE clears pending faults.
	e.control("POST", "/faults", map[string]any{"path_prefix": "/", "status": 500, "count": 100}, http.StatusCreated, nil)
	e.control("DELETE", "/faults", nil, http.StatusNoContent, nil)
	if code, _ := e.do("GET", jwk, nil, nil); code != http.StatusOK {
		t.Errorf("after DELETE /sim/faults: %d, want 200", code)
	}
}

func TestControlErrors(t *testing.T) {
	e := newEnv(t, Config{})
	client := e.addClient([]string{scopeVAT}, 0)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		want   string // in the error message
	}{
		{"unknown field", "POST", "/clients", map[string]any{"org_no": DemoVendorOrgNo, "name": "x"}, 400, "unknown field"},
		{"bad org number", "POST", "/clients", map[string]any{"org_no": "310000001", "client_name": "x"}, 400, "not a valid organisation number"},
		{"unknown org", "POST", "/clients", map[string]any{"org_no": "314240979", "client_name": "x"}, 400, "POST /sim/orgs"},
		{"unknown scope", "POST", "/clients", map[string]any{"org_no": DemoVendorOrgNo, "client_name": "x", "scopes": []string{"nope:x"}}, 400, "not in the simulator's catalogue"},
		{"private key", "POST", "/clients", map[string]any{"org_no": DemoVendorOrgNo, "client_name": "x",
			"keys": map[string]any{"keys": []any{withMember(t, publicJWK(t, 0, "k"), "d", "AQAB")}}}, 400, "private member"},
		{"jwks of unknown client", "PUT", "/clients/nope/jwks", map[string]any{"keys": []any{}}, 404, "does not exist"},
		{"system id without vendor prefix", "POST", "/systems", map[string]any{"id": "regnskap", "vendor_org_no": DemoVendorOrgNo}, 400, "_<name>"},
		{"system with unknown client", "POST", "/systems", map[string]any{"id": DemoVendorOrgNo + "_x", "vendor_org_no": DemoVendorOrgNo, "client_ids": []string{"nope"}}, 400, "does not exist"},
		{"system user of unknown system", "POST", "/systemusers", map[string]any{"system_id": "nope", "party_org_no": customerA}, 400, "does not exist"},
		{"empty external_ref", "POST", "/systemusers", map[string]any{"system_id": DemoVendorOrgNo + "_sys", "party_org_no": customerA, "external_ref": ""}, 400, "must not be empty"},
		{"fault on control API", "POST", "/faults", map[string]any{"path_prefix": "/sim/state", "status": 500, "count": 1}, 400, "control API"},
		{"fault without status", "POST", "/faults", map[string]any{"path_prefix": "/maskinporten", "count": 1}, 400, "status"},
		{"drop_key with a status", "POST", "/faults", map[string]any{"path_prefix": "/selfservice", "count": 1, "drop_key": true, "status": 500}, 400, "drop_key answers normally"},
		{"trust a leaf", "POST", "/trust", map[string]any{"pem": certPEM(newTestCA(t, "ca").leaf(t, 2, DemoVendorOrgNo))}, 400, "not a CA"},
		{"trust no PEM", "POST", "/trust", map[string]any{"pem": "hello"}, 400, "no CERTIFICATE"},
		{"trust a private key", "POST", "/trust", map[string]any{"pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, 400, "private key"},
		{"scope without prefix", "POST", "/scopes", map[string]any{"name": "read", "allowed_integration_types": []string{"maskinporten"}}, 400, "prefix:subscope"},
	}
	e.control("POST", "/systems", map[string]any{"id": DemoVendorOrgNo + "_sys", "vendor_org_no": DemoVendorOrgNo,
		"client_ids": []string{client}}, http.StatusCreated, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body struct{ Error string }
			code, raw := e.do(tt.method, e.inst.URLs.Control+tt.path, tt.body, &body)
			if code != tt.status || !strings.Contains(body.Error, tt.want) {
				t.Errorf("%s %s = %d %s, want %d and an error containing %q", tt.method, tt.path, code, raw, tt.status, tt.want)
			}
		})
	}
}

func withMember(t *testing.T, raw json.RawMessage, name string, v any) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m[name] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckPublicJWKS(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	good := publicJWK(t, 0, "k1")
	without := func(name string) json.RawMessage {
		var m map[string]any
		json.Unmarshal(good, &m)
		delete(m, name)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name string
		keys []json.RawMessage
		want string // error substring; "" = valid
	}{
		{"valid", []json.RawMessage{good}, ""},
		{"no keys", nil, ""},
		{"private exponent", []json.RawMessage{withMember(t, good, "d", "AQAB")}, `private member "d"`},
		{"prime", []json.RawMessage{withMember(t, good, "p", "AQAB")}, `private member "p"`},
		{"no use", []json.RawMessage{without("use")}, "use must be"},
		{"no kid", []json.RawMessage{without("kid")}, "kid is missing"},
		{"bad kid", []json.RawMessage{withMember(t, good, "kid", "my key")}, "may contain only"},
		{"EC key", []json.RawMessage{withMember(t, good, "kty", "EC")}, "kty"},
		{"ES256", []json.RawMessage{withMember(t, good, "alg", "ES256")}, "alg"},
		{"short key", []json.RawMessage{withMember(t, good, "n", b64url.EncodeToString(make([]byte, 128)))}, "at least 2048"},
		{"duplicate kid", []json.RawMessage{good, publicJWK(t, 1, "k1")}, "used twice"},
		{"six keys", []json.RawMessage{good, good, good, good, good, good}, "at most 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkPublicJWKS(tt.keys, now)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}

	// exp: one year from upload at most; an earlier exp of the key is kept.
	year := now.Add(keyLifetime).Unix()
	for _, tt := range []struct {
		exp, want int64
	}{{0, year}, {now.Unix() + 3600, now.Unix() + 3600}, {year + 100, year}} {
		k := good
		if tt.exp != 0 {
			k = withMember(t, good, "exp", tt.exp)
		}
		keys, err := checkPublicJWKS([]json.RawMessage{k}, now)
		if err != nil || keys[0].Exp != tt.want {
			t.Errorf("exp %d: got %v, %v; want exp %d", tt.exp, keys, err, tt.want)
		}
	}
}

// The sandbox bootstrap: the seeded admin client gets its key through the
// control API and then authenticates.
func TestAdminClientBootstrap(t *testing.T) {
	e := newEnv(t, Config{})
	var st struct {
		Clients []struct {
			ClientID string   `json:"client_id"`
			Admin    bool     `json:"admin"`
			Scopes   []string `json:"scopes"`
			Keys     []any    `json:"keys"`
		} `json:"clients"`
	}
	e.control("GET", "/state", nil, http.StatusOK, &st)
	if len(st.Clients) != 1 || !st.Clients[0].Admin || len(st.Clients[0].Keys) != 0 {
		t.Fatalf("seeded clients = %+v, want one admin client without keys", st.Clients)
	}
	admin := st.Clients[0].ClientID
	scope := "idporten:dcr.read idporten:dcr.write"
	if a := e.token(sign(t, 0, map[string]any{"kid": "admin-1"}, e.grantClaims(admin, scope))); a.Error == "" {
		t.Fatal("admin client authenticated before it had a key")
	}
	e.control("PUT", "/clients/"+admin+"/jwks", map[string]any{"keys": []json.RawMessage{publicJWK(t, 0, "admin-1")}}, http.StatusOK, nil)
	a := e.token(sign(t, 0, map[string]any{"kid": "admin-1"}, e.grantClaims(admin, scope)))
	if a.status != http.StatusOK || a.Scope != scope {
		t.Fatalf("admin token: %d %s %s", a.status, a.Error, a.Description)
	}
}

func TestStatePersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sim.json")
	e := newEnv(t, Config{StatePath: path})
	client := e.addClient([]string{scopeVAT}, 0)
	ca := newTestCA(t, "Test CA")
	e.control("POST", "/trust", map[string]string{"pem": ca.pem()}, http.StatusCreated, nil)
	e.control("POST", "/systems", map[string]any{"id": DemoVendorOrgNo + "_lonn", "vendor_org_no": DemoVendorOrgNo,
		"client_ids": []string{client}}, http.StatusCreated, nil)
	// A token, so that the signing key has been used before the check below.
	if a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT))); a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode = %v, want 0600", perm)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "PRIVATE KEY") {
		t.Error("state file contains a PEM private key")
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if path := findMember(doc, "d", "p", "q", "dp", "dq", "qi"); path != "" {
		t.Errorf("state file has a private JWK member at %s", path)
	}

	// A new simulator on the same file knows the client and its key.
	e2 := newEnv(t, Config{StatePath: path})
	if a := e2.token(sign(t, 0, map[string]any{"kid": "key-0"}, e2.grantClaims(client, scopeVAT))); a.status != http.StatusOK {
		t.Fatalf("token after reload: %d %s", a.status, a.Description)
	}
	var st stateSummary
	e2.control("GET", "/state", nil, http.StatusOK, &st)
	if len(st.Systems) != 1 || len(st.TrustedCAs) != 1 || len(st.Orgs) != 5 {
		t.Errorf("reloaded state: %d systems, %d CAs, %d orgs; want 1, 1, 5", len(st.Systems), len(st.TrustedCAs), len(st.Orgs))
	}
}

// findMember returns the JSON path of the first object member named one of
// names, or "".
func findMember(v any, names ...string) string {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			for _, n := range names {
				if k == n {
					return k
				}
			}
			if p := findMember(child, names...); p != "" {
				return k + "." + p
			}
		}
	case []any:
		for _, child := range v {
			if p := findMember(child, names...); p != "" {
				return "[]." + p
			}
		}
	}
	return ""
}

// Two simulators (standing in for two CLI processes) on one state file lose
// no updates and see each other's writes.
func TestSharedStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim.json")
	a := newEnv(t, Config{StatePath: path})
	b := newEnv(t, Config{StatePath: path})
	for i, org := range []string{"314240979", "313367002"} {
		env := []*testEnv{a, b}[i]
		env.control("POST", "/orgs", map[string]string{"org_no": org, "name": "Org " + org, "role": "customer"}, http.StatusCreated, nil)
	}
	clientA := a.addClient([]string{scopeVAT}, 0)
	clientB := b.addClient([]string{scopeVAT}, 1)
	for _, env := range []*testEnv{a, b} {
		var st stateSummary
		env.control("GET", "/state", nil, http.StatusOK, &st)
		if len(st.Orgs) != 7 || len(st.Clients) != 3 {
			t.Errorf("%s sees %d orgs and %d clients, want 7 and 3", env.inst.URLs.Base, len(st.Orgs), len(st.Clients))
		}
	}
	// b authenticates a client that a created, and the other way round.
	if ans := b.token(sign(t, 0, map[string]any{"kid": "key-0"}, b.grantClaims(clientA, scopeVAT))); ans.status != http.StatusOK {
		t.Errorf("b with a's client: %d %s", ans.status, ans.Description)
	}
	if ans := a.token(sign(t, 1, map[string]any{"kid": "key-1"}, a.grantClaims(clientB, scopeVAT))); ans.status != http.StatusOK {
		t.Errorf("a with b's client: %d %s", ans.status, ans.Description)
	}
}

func TestCorruptStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{StatePath: path})
	if err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("New on a corrupt file: %v, want an error that says to delete it", err)
	}
}

// Concurrent mutations through two stores on one file: the file lock
// serialises them, so none is lost.
func TestConcurrentMutations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim.json")
	now := time.Now()
	var stores [2]*store
	for i := range stores {
		st, err := openStore(path, now)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = st
	}
	const perStore = 10
	errs := make(chan error, 2*perStore)
	for i := 0; i < 2*perStore; i++ {
		go func() {
			errs <- stores[i%2].mutate(func(st *stateData) error {
				name := fmt.Sprintf("test:scope%d", i)
				st.Scopes[name] = &scopeDef{Name: name}
				return nil
			})
		}()
	}
	for i := 0; i < 2*perStore; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st, _, err := readStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(st.Scopes), len(seedScopes())+2*perStore; got != want {
		t.Errorf("%d scopes after concurrent mutations, want %d", got, want)
	}
}
