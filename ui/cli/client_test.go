package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/sim"
)

// Tests of the onboarding commands (admin, org, client, client keys)
// against the TLS simulator of the shared harness. Its environment is the
// sandbox served by that simulator, not the embedded one, so the admin
// client is set up as a vendor would: a key registered on the seeded admin
// client, recorded with `admin set`.

// withAdmin registers a new key on the simulator's seeded admin client
// and records it with `admin set`; it returns the admin client id.
func (h *harness) withAdmin() string {
	h.t.Helper()
	h.generateKey("admin")
	var st struct {
		Clients []struct {
			ClientID string `json:"client_id"`
			OrgNo    string `json:"client_orgno"`
			Admin    bool   `json:"admin"`
		} `json:"clients"`
	}
	h.control("GET", "/state", nil, &st)
	id := ""
	for _, c := range st.Clients {
		if c.Admin && c.OrgNo == sim.DemoVendorOrgNo {
			id = c.ClientID
		}
	}
	h.control("PUT", "/clients/"+id+"/jwks", map[string]any{"keys": []any{h.publicJWK("admin")}}, nil)
	h.mustRun("admin", "set", "--client-id", id, "--key", "admin")
	return id
}

func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	out, errOut, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("%v: exit %d\n%s", args, code, errOut)
	}
	return out
}

// createClient runs `client create --json` with key and returns the id.
func (h *harness) createClient(name, key string) string {
	h.t.Helper()
	out := h.mustRun("client", "create", "--name", name, "--scope", "skatteetaten:mvameldingvalidering", "--key", key, "--yes", "--json")
	var c struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ClientID == "" {
		h.t.Fatalf("client create --json printed %q (%v)", out, err)
	}
	return c.ClientID
}

func (h *harness) profile() *config.EnvProfile {
	h.t.Helper()
	cfg, err := config.Load(h.dirs.Config)
	if err != nil {
		h.t.Fatal(err)
	}
	p, _, err := cfg.Profile("")
	if err != nil {
		h.t.Fatal(err)
	}
	return p.For(config.Sandbox)
}

func TestClientCreateListShowDelete(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	adminID := h.withAdmin()
	h.generateKey("vendor")
	out, errOut, code := h.run("client", "create", "--name", "Demo integrasjon", "--scope", "skatteetaten:mvameldingvalidering", "--key", "vendor", "--yes")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	id := strings.TrimSpace(out)
	p := h.profile()
	if p.ClientID != id || p.KeyName != "vendor" || p.KeyExpires == nil || len(p.Scopes) != 4 {
		t.Errorf("profile = %+v", p)
	}
	for _, want := range []string{"altinn:authentication/systemregister.write", "Created client " + id,
		"Registered key vendor", "Maskinporten issued a token for client " + id} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	// Again: reused, not duplicated.
	out, errOut, code = h.run("client", "create", "--name", "Demo integrasjon", "--scope", "skatteetaten:mvameldingvalidering", "--key", "vendor", "--yes")
	if code != 0 || strings.TrimSpace(out) != id || !strings.Contains(errOut, "Reusing client "+id) {
		t.Errorf("second create: exit %d, stdout %q\n%s", code, out, errOut)
	}

	list := h.mustRun("client", "list", "--json")
	var cs []map[string]any
	if err := json.Unmarshal([]byte(list), &cs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if c["client_name"] == "Demo integrasjon" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d clients named Demo integrasjon in %s", n, list)
	}
	table := h.mustRun("client", "list")
	if !strings.Contains(table, id) || !strings.Contains(table, adminID) || !strings.Contains(table, "admin") {
		t.Errorf("client list:\n%s", table)
	}
	show := h.mustRun("client", "show", id)
	for _, want := range []string{"Demo integrasjon", "vendor", "yes"} {
		if !strings.Contains(show, want) {
			t.Errorf("client show lacks %q:\n%s", want, show)
		}
	}

	_, errOut, code = h.run("client", "delete", id)
	if code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("delete without --yes and a terminal: exit %d\n%s", code, errOut)
	}
	h.mustRun("client", "delete", id, "--yes")
	if p := h.profile(); p.ClientID != "" || p.KeyName != "vendor" {
		t.Errorf("profile after delete = %+v, want no client, the key kept", p)
	}
	if strings.Contains(h.mustRun("client", "list", "--json"), id) {
		t.Error("deleted client still listed")
	}
}

// Digdir's field errors reach the user as "field: message".
func TestClientCreateFieldError(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withAdmin()
	_, errOut, code := h.run("client", "create", "--name", "x", "--scope", "nosuch:scope", "--yes")
	if code != ExitError || !strings.Contains(errOut, "scopes: ") || !strings.Contains(errOut, "nosuch:scope") {
		t.Errorf("exit %d, want 1 with a scopes field message:\n%s", code, errOut)
	}
	if h.profile().ClientID != "" {
		t.Error("a refused client was recorded")
	}
}

// A sixth key: exit 1, the keys named and the command that removes one.
func TestClientKeysLimit(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withAdmin()
	h.generateKey("k0")
	id := h.createClient("Five keys", "k0")
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("k%d", i)
		h.generateKey(name)
		h.mustRun("client", "keys", "add", id, "--key", name, "--yes")
	}
	var keys []struct {
		KID        string `json:"kid"`
		KeyName    string `json:"key_name"`
		InKeystore bool   `json:"in_keystore"`
		InUse      bool   `json:"in_use"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("client", "keys", "list", id, "--json")), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 5 {
		t.Fatalf("%d keys, want 5", len(keys))
	}
	h.generateKey("k5")
	_, errOut, code := h.run("client", "keys", "add", id, "--key", "k5", "--yes")
	if code != ExitError {
		t.Errorf("sixth key: exit %d, want 1", code)
	}
	for _, k := range keys {
		if !strings.Contains(errOut, k.KID) || !k.InKeystore {
			t.Errorf("key %+v not named (or not matched with the keystore):\n%s", k, errOut)
		}
	}
	if !strings.Contains(errOut, "already has 5 keys") || !strings.Contains(errOut, "systembruker client keys remove "+id+" --kid ") {
		t.Errorf("stderr:\n%s", errOut)
	}

	// The signing key is kept unless --force; another goes.
	signing := h.profile().KID
	_, errOut, code = h.run("client", "keys", "remove", id, "--kid", signing, "--yes")
	if code != ExitError || !strings.Contains(errOut, "keys rotate") {
		t.Errorf("removing the signing key: exit %d\n%s", code, errOut)
	}
	other := keys[4].KID
	if other == signing {
		other = keys[3].KID
	}
	if _, errOut, code := h.run("client", "keys", "remove", id, "--kid", other, "--yes"); code != 0 || !strings.Contains(errOut, "keys left") {
		t.Errorf("remove: exit %d\n%s", code, errOut)
	}
	h.mustRun("client", "keys", "add", id, "--key", "k5", "--yes")
}

// Expired admin credentials: a message that says so and what to do.
func TestAdminKeyExpiredCLI(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	adminID := h.withAdmin()
	jwk := h.publicJWK("admin")
	jwk["exp"] = harnessStart.Add(-time.Hour).Unix()
	h.control("PUT", "/clients/"+adminID+"/jwks", map[string]any{"keys": []any{jwk}}, nil)
	_, errOut, code := h.run("client", "list")
	if code != ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"the admin client's key admin has expired", "MP-121",
		"register a new key on admin client " + adminID, "admin set --client-id " + adminID} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// Without an admin client outside the embedded sandbox, both ways forward
// are named.
func TestClientListNoAdmin(t *testing.T) {
	h := newHarness(t)
	_, errOut, code := h.run("client", "list")
	if code != ExitError || !strings.Contains(errOut, "admin set") || !strings.Contains(errOut, "client use") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

// Production writes need a typed "prod" or --yes; without a terminal the
// command refuses before anything is sent.
func TestProdWritesNeedConfirmation(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"--env", "prod", "client", "create", "--name", "x", "--scope", "a:b"},
		{"--env", "prod", "client", "delete", "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e"},
		{"--env", "prod", "client", "keys", "remove", "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e", "--kid", "k1"},
	} {
		_, errOut, code := h.run(args...)
		if code != ExitUsage || !strings.Contains(errOut, "pass --yes") {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if n := h.simCount(" /selfservice/") + h.simCount(" /maskinporten/"); n != 0 {
		t.Errorf("%d requests reached a server", n)
	}
}

// A pasted client id that is something else: exit 2 and what it is.
func TestClientUseMalformedID(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ name, id, want string }{
		{"kid", "kid-2024-07-10-12-00-00", "looks like a key id (kid)"},
		{"jwk", `{"kty":"RSA","n":"abc","e":"AQAB"}`, "looks like a key (JWK)"},
		{"url", "https://sjolvbetjening.samarbeid.digdir.no/clients", "looks like a URL"},
		{"space", "d1427568-1eba 1bf2-59ed-1c4af065f30e", "contains spaces"},
		{"empty", "", "the client id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := h.run("client", "use", tt.id, "--key", "k")
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", code, tt.want, errOut)
			}
		})
	}
}

func TestOrgSet(t *testing.T) {
	h := newHarness(t)
	if _, errOut, code := h.run("org", "set", "310000001"); code != ExitUsage || !strings.Contains(errOut, "check digit") {
		t.Errorf("bad org number: exit %d\n%s", code, errOut)
	}
	_, errOut, code := h.run("org", "set", "0192:310 000 000", "--name", "Demo Regnskap AS")
	if code != 0 || !strings.Contains(errOut, "Demo Regnskap AS (310000000)") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if p := h.profile(); p.OrgNo != "310000000" || p.OrgName != "Demo Regnskap AS" {
		t.Errorf("profile = %+v", p)
	}
}

// The portal path's command: a client made elsewhere (here through the
// control API, as by hand in the portal) is recorded and proven.
func TestClientUse(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.generateKey("portal")
	id := h.addClient([]string{"altinn:authentication/systemregister.write", "altinn:authentication/systemuser.request.read",
		"altinn:authentication/systemuser.request.write"}, h.publicJWK("portal"))
	_, errOut, code := h.run("client", "use", id, "--key", "portal")
	if code != 0 || !strings.Contains(errOut, "Recorded client "+id+" with key portal; Maskinporten issued a token") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	p := h.profile()
	if p.ClientID != id || p.KeyName != "portal" || len(p.Scopes) != 3 || p.KeyExpires == nil {
		t.Errorf("profile = %+v", p)
	}
	// A scope the client lacks: recorded, and the refusal says what to do.
	_, errOut, code = h.run("client", "use", id, "--key", "portal", "--scope", "skatteetaten:mvameldingvalidering")
	if code != ExitError || !strings.Contains(errOut, "skatteetaten:mvameldingvalidering") || !strings.Contains(errOut, "self-service portal") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

func TestClientScopes(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withAdmin()
	out, errOut, code := h.run("client", "scopes", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var scopes []flows.AvailableScope
	if err := json.Unmarshal([]byte(out), &scopes); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	found := false
	for _, s := range scopes {
		found = found || s.Name == "skatteetaten:mvameldingvalidering" && s.Access == flows.ScopeGranted
	}
	if !found {
		t.Errorf("the vendor's granted sample scope is not listed: %+v", scopes)
	}
}
