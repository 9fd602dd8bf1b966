package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The self-service tests get their admin tokens the real way: the seeded
// admin client gets test key 0 through the control API and signs grants
// for the token endpoint.

const adminKid = "admin-0"

type ssEnv struct {
	*testEnv
	admin string // the demo vendor's seeded admin client
}

func newSSEnv(t *testing.T) *ssEnv {
	t.Helper()
	e := &ssEnv{testEnv: newEnv(t, Config{})}
	e.admin = e.adminClientOf(DemoVendorOrgNo)
	e.control("PUT", "/clients/"+e.admin+"/jwks", map[string]any{"keys": []json.RawMessage{publicJWK(t, 0, adminKid)}}, http.StatusOK, nil)
	return e
}

func (e *testEnv) adminClientOf(orgNo string) string {
	e.t.Helper()
	var st struct {
		Clients []clientReg `json:"clients"`
	}
	e.control("GET", "/state", nil, http.StatusOK, &st)
	for _, c := range st.Clients {
		if c.Admin && c.OrgNo == orgNo {
			return c.ClientID
		}
	}
	e.t.Fatalf("no admin client for %s", orgNo)
	return ""
}

// adminToken is an access token of the admin client with scope.
func (e *ssEnv) adminToken(scope string) string {
	e.t.Helper()
	return e.tokenFor(e.admin, 0, adminKid, scope)
}

func (e *testEnv) tokenFor(clientID string, key int, kid, scope string) string {
	e.t.Helper()
	a := e.token(sign(e.t, key, map[string]any{"kid": kid}, e.grantClaims(clientID, scope)))
	if a.status != http.StatusOK {
		e.t.Fatalf("token for %s with %q: %d %s %s", clientID, scope, a.status, a.Error, a.Description)
	}
	return a.AccessToken
}

type ssAnswer struct {
	code   int
	body   []byte
	header http.Header
}

// ss calls the self-service API. token "" sends none; a string body is
// sent as is, anything else as JSON.
func (e *testEnv) ss(method, path, token string, body any) ssAnswer {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.inst.URLs.SelfService+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return ssAnswer{resp.StatusCode, raw, resp.Header}
}

// must fails the test unless the answer has status want, and decodes it
// into out (if non-nil).
func (a ssAnswer) must(t *testing.T, want int, out any) {
	t.Helper()
	if a.code != want {
		t.Fatalf("HTTP %d %s, want %d", a.code, a.body, want)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			t.Fatalf("%s: %v", a.body, err)
		}
	}
}

type ssErrAnswer struct {
	Status           int      `json:"status"`
	Timestamp        string   `json:"timestamp"`
	CorrelationID    string   `json:"correlation_id"`
	Errors           []ssItem `json:"errors"`
	Error            string   `json:"error"`
	ErrorDescription string   `json:"error_description"`
}

var correlationRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkSSError checks an error answer: status, the body's shape, and an
// errors[] entry for field ("" = not a field error) whose message holds msg.
func checkSSError(t *testing.T, a ssAnswer, status int, field, msg string) {
	t.Helper()
	var e ssErrAnswer
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %s: %v", a.body, err)
	}
	if a.code != status || e.Status != status {
		t.Errorf("HTTP %d, body status %d; want %d", a.code, e.Status, status)
	}
	if _, err := time.Parse(time.RFC3339Nano, e.Timestamp); err != nil || !correlationRE.MatchString(e.CorrelationID) {
		t.Errorf("timestamp %q, correlation_id %q: want RFC 3339 and 32 hex digits", e.Timestamp, e.CorrelationID)
	}
	if !strings.HasPrefix(e.Error, ", ") || e.Error != e.ErrorDescription {
		t.Errorf("error %q, error_description %q: want the joined messages, led by \", \"", e.Error, e.ErrorDescription)
	}
	for _, it := range e.Errors {
		if it.FieldIdentifier == field && it.IsFieldError == (field != "") && strings.Contains(it.ErrorMessage, msg) {
			if !strings.Contains(e.Error, it.ErrorMessage) {
				t.Errorf("error %q lacks the message %q", e.Error, it.ErrorMessage)
			}
			return
		}
	}
	t.Errorf("errors %+v: no entry for field %q with %q", e.Errors, field, msg)
}

// clientBody is a valid create body (reference §5.4).
func clientBody(scopes ...string) map[string]any {
	return map[string]any{
		"integration_type":           "maskinporten",
		"application_type":           "web",
		"client_name":                "Demo Regnskap - invoice sync - test",
		"description":                "Invoice sync",
		"token_endpoint_auth_method": "private_key_jwt",
		"grant_types":                []string{grantTypeJWTBearer},
		"scopes":                     scopes,
	}
}

func with(m map[string]any, member string, v any) map[string]any {
	out := map[string]any{}
	for k, val := range m {
		out[k] = val
	}
	if v == nil {
		delete(out, member)
	} else {
		out[member] = v
	}
	return out
}

// createClient creates a client through the API and returns its id.
func (e *ssEnv) createClient(token string, scopes ...string) string {
	e.t.Helper()
	var c ssClient
	e.ss("POST", "/clients", token, clientBody(scopes...)).must(e.t, http.StatusCreated, &c)
	return c.ClientID
}

func keySet(keys ...json.RawMessage) map[string]any {
	return map[string]any{"keys": append([]json.RawMessage{}, keys...)}
}

// kids lists a key-set answer's kids and exps.
func kidsOf(t *testing.T, a ssAnswer) ([]string, []int64) {
	t.Helper()
	var s ssJWKS
	a.must(t, http.StatusOK, &s)
	var kids []string
	var exps []int64
	for _, k := range s.Keys {
		kids = append(kids, k.Kid)
		exps = append(exps, k.Exp)
	}
	return kids, exps
}

func TestSelfServiceAuth(t *testing.T) {
	e := newSSEnv(t)
	read := e.adminToken(scopeDCRRead)
	write := e.adminToken(scopeDCRWrite)
	modify := e.adminToken(scopeDCRModify)
	id := e.createClient(write, scopeVAT)
	// A token that looks like the sim's but is signed with another key.
	now := e.clock.Now()
	forged := sign(t, 1, map[string]any{"kid": e.srv.mpKey.kid}, map[string]any{
		"scope": scopeDCRWrite, "iss": e.inst.URLs.Issuer, "client_amr": "private_key_jwt", "token_type": "Bearer",
		"exp": now.Add(time.Minute).Unix(), "iat": now.Unix(), "client_id": e.admin, "jti": newTestJTI(),
		"consumer": orgRefFor(DemoVendorOrgNo),
	})
	keys := keySet(publicJWK(t, 1, "k1"))
	tests := []struct {
		name         string
		method, path string
		token        string
		body         any
		want         int
	}{
		{"no token", "GET", "/clients", "", nil, 401},
		{"not a JWT", "GET", "/clients", "opaque", nil, 401},
		{"forged signature", "GET", "/clients", forged, nil, 401},
		{"read lists clients", "GET", "/clients", read, nil, 200},
		{"read lists scope access", "GET", "/scopes/access/all", read, nil, 200},
		{"read reads keys", "GET", "/clients/" + id + "/jwks", read, nil, 200},
		{"write reads", "GET", "/clients/" + id, write, nil, 200},
		{"modify does not read", "GET", "/clients", modify, nil, 403},
		{"read does not create", "POST", "/clients", read, clientBody(), 403},
		{"read does not update", "PUT", "/clients/" + id, read, clientBody(), 403},
		{"read does not delete", "DELETE", "/clients/" + id, read, nil, 403},
		{"read does not post keys", "POST", "/clients/" + id + "/jwks", read, keys, 403},
		{"read does not put keys", "PUT", "/clients/" + id + "/jwks", read, keys, 403},
		{"read does not delete keys", "DELETE", "/clients/" + id + "/jwks", read, nil, 403},
		{"modify does not create", "POST", "/clients", modify, clientBody(), 403},
		{"modify does not post keys", "POST", "/clients/" + id + "/jwks", modify, keys, 403},
		{"modify does not delete", "DELETE", "/clients/" + id, modify, nil, 403},
		{"modify updates", "PUT", "/clients/" + id, modify, clientBody(scopeVAT), 200},
		{"write updates", "PUT", "/clients/" + id, write, clientBody(scopeVAT), 200},
		{"the scope list is public", "GET", "/scopes/all", "", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.ss(tt.method, tt.path, tt.token, tt.body)
			if a.code != tt.want {
				t.Fatalf("HTTP %d %s, want %d", a.code, a.body, tt.want)
			}
			switch tt.want {
			case 401:
				checkSSError(t, a, 401, "", "Full authentication is required")
				if got := a.header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
			case 403:
				checkSSError(t, a, 403, "", "the token needs the scope idporten:dcr.")
				if got := a.header.Get("WWW-Authenticate"); got != `Bearer error="insufficient_scope"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
			}
		})
	}
	var c ssClient
	e.ss("GET", "/clients/"+id, read, nil).must(t, http.StatusOK, &c)
	if !c.Active {
		t.Error("a refused DELETE deactivated the client")
	}

	// An expired token is refused like a bad one.
	e.clock.Advance(accessTokenLifetime)
	checkSSError(t, e.ss("GET", "/clients", read, nil), 401, "", "Full authentication")
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSelfServiceClientLifecycle(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	created := e.clock.Now()

	var c map[string]any
	e.ss("POST", "/clients", tok, clientBody(scopeVAT, scopeVAT)).must(t, http.StatusCreated, &c)
	id, _ := c["client_id"].(string)
	if !uuidRE.MatchString(id) {
		t.Fatalf("client_id %q is not a random UUID", id)
	}
	want := map[string]any{
		"client_id": id, "client_name": "Demo Regnskap - invoice sync - test", "description": "Invoice sync",
		"scopes": []any{scopeVAT}, "authorization_lifetime": 0.0, "access_token_lifetime": 0.0,
		"refresh_token_lifetime": 0.0, "refresh_token_usage": "ONETIME", "frontchannel_logout_session_required": false,
		"token_endpoint_auth_method": "private_key_jwt", "grant_types": []any{grantTypeJWTBearer},
		"integration_type": "maskinporten", "application_type": "web", "client_orgno": DemoVendorOrgNo,
		"active": true, "created": ssTime(created), "last_updated": ssTime(created),
	}
	if !jsonEqual(t, c, want) {
		t.Errorf("created client\n got %v\nwant %v", c, want)
	}

	// Listed, with the admin client: peers rotate its key through the API.
	var list []ssClient
	e.ss("GET", "/clients", tok, nil).must(t, http.StatusOK, &list)
	if got := clientIDs(list); !sameSet(got, []string{e.admin, id}) {
		t.Errorf("listed %v, want the admin client and %s", got, id)
	}

	// PUT replaces; created stays.
	e.clock.Advance(time.Hour)
	tok = e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	body := with(clientBody(scopeVAT, scopeVATSend), "description", "Invoice sync and VAT")
	body["client_id"] = id
	var upd ssClient
	e.ss("PUT", "/clients/"+id, tok, body).must(t, http.StatusOK, &upd)
	if upd.Description != "Invoice sync and VAT" || !slices.Equal(upd.Scopes, []string{scopeVAT, scopeVATSend}) ||
		upd.Created != ssTime(created) || upd.LastUpdated != ssTime(e.clock.Now()) {
		t.Errorf("updated client %+v", upd)
	}
	var got ssClient
	e.ss("GET", "/clients/"+id, tok, nil).must(t, http.StatusOK, &got)
	if !jsonEqual(t, got, upd) {
		t.Errorf("GET after PUT = %+v, want %+v", got, upd)
	}

	// A key posted through the API signs grants at once.
	e.ss("POST", "/clients/"+id+"/jwks", tok, keySet(publicJWK(t, 1, "k1"))).must(t, http.StatusOK, nil)
	e.tokenFor(id, 1, "k1", scopeVATSend)

	// DELETE deactivates: hidden, unusable, still there with ?inactive=true.
	if a := e.ss("DELETE", "/clients/"+id, tok, nil); a.code != http.StatusNoContent || len(a.body) != 0 {
		t.Fatalf("DELETE: %d %s, want 204 without a body", a.code, a.body)
	}
	checkSSError(t, e.ss("GET", "/clients/"+id, tok, nil), 404, "", "Client "+id+" not found")
	for _, path := range []string{"/clients/" + id + "/jwks", "/clients/" + id} {
		checkSSError(t, e.ss("DELETE", path, tok, nil), 404, "", "not found")
	}
	e.ss("GET", "/clients", tok, nil).must(t, http.StatusOK, &list)
	if slices.Contains(clientIDs(list), id) {
		t.Error("a deleted client is listed")
	}
	e.ss("GET", "/clients?inactive=true", tok, nil).must(t, http.StatusOK, &list)
	if !slices.Contains(clientIDs(list), id) {
		t.Error("?inactive=true does not list the deleted client")
	}
	e.ss("GET", "/clients/"+id+"?inactive=true", tok, nil).must(t, http.StatusOK, &got)
	if got.Active {
		t.Error("deleted client is active")
	}
	a := e.token(sign(t, 1, map[string]any{"kid": "k1"}, e.grantClaims(id, scopeVATSend)))
	checkError(t, e.inst.URLs.Issuer, a, 400, "invalid_grant", "MP-100", msgUnknownClient)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func clientIDs(cs []ssClient) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ClientID)
	}
	return ids
}

// jsonEqual compares two values as JSON.
func jsonEqual(t *testing.T, got, want any) bool {
	t.Helper()
	norm := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		json.Unmarshal(b, &x)
		b, _ = json.Marshal(x)
		return string(b)
	}
	return norm(got) == norm(want)
}

func TestSelfServiceClientRules(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	good := clientBody(scopeVAT)
	tests := []struct {
		name   string
		body   any
		status int
		field  string // "" = not a field error
		msg    string
	}{
		{"integration type", with(good, "integration_type", "idporten"), 400, "integration_type", `must be "maskinporten"`},
		{"application type", with(good, "application_type", "native"), 400, "application_type", `must be "web"`},
		{"auth method", with(good, "token_endpoint_auth_method", "client_secret_basic"), 400, "token_endpoint_auth_method", "private_key_jwt"},
		{"grant types", with(good, "grant_types", []string{"authorization_code"}), 400, "grant_types", "jwt-bearer"},
		{"no grant types", with(good, "grant_types", nil), 400, "grant_types", "jwt-bearer"},
		{"blank name", with(good, "client_name", "  "), 400, "client_name", "must not be blank"},
		{"no name", with(good, "client_name", nil), 400, "client_name", "must not be blank"},
		{"unknown scope", with(good, "scopes", []string{scopeVAT, "acme:nope"}), 400, "scopes", `scope "acme:nope" does not exist`},
		{"scope not for Maskinporten", with(good, "scopes", []string{scopeIDporten}), 400, "scopes", "cannot be used by Maskinporten"},
		{"scope not granted", with(good, "scopes", []string{scopeNoAccess}), 400, "scopes", "has not been granted access"},
		{"created sent", with(good, "created", "2025-01-01T00:00:00.000Z"), 400, "created", "must not be sent"},
		{"client_id sent", with(good, "client_id", newUUID()), 400, "client_id", "assigned by Digdir"},
		{"another org", with(good, "client_orgno", customerA), 400, "client_orgno", "idporten:dcr.supplier"},
		{"lifetime", with(good, "access_token_lifetime", 60), 400, "access_token_lifetime", "must be 0"},
		{"scopes not a list", with(good, "scopes", scopeVAT), 400, "scopes", "must be a JSON"},
		{"a bare array", `[{"client_name":"x"}]`, 400, "", "must be a client object"},
		{"not JSON", `{"client_name":`, 400, "", "JSON parse error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSSError(t, e.ss("POST", "/clients", tok, tt.body), tt.status, tt.field, tt.msg)
		})
	}

	// Every error at once, each with its field.
	a := e.ss("POST", "/clients", tok, with(with(good, "client_name", ""), "scopes", []string{"acme:nope"}))
	checkSSError(t, a, 400, "client_name", "blank")
	checkSSError(t, a, 400, "scopes", "acme:nope")

	// Another content type.
	req, _ := http.NewRequest("POST", e.inst.URLs.SelfService+"/clients", strings.NewReader("client_name=x"))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkSSError(t, ssAnswer{resp.StatusCode, raw, resp.Header}, 415, "", "application/json")

	// None of that created a client.
	var list []ssClient
	e.ss("GET", "/clients", tok, nil).must(t, http.StatusOK, &list)
	if len(list) != 1 {
		t.Errorf("%d clients after refused creates, want only the admin client", len(list))
	}

	// Accepted: a scope accessible for all without a grant, the own org,
	// and members the sim does not model.
	ok := with(with(good, "scopes", []string{"altinn:instances.read"}), "client_orgno", DemoVendorOrgNo)
	ok["redirect_uris"] = []string{}
	e.ss("POST", "/clients", tok, ok).must(t, http.StatusCreated, nil)
}

func TestSelfServiceUpdateRules(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	id := e.createClient(tok, scopeVAT)
	var stored map[string]any
	e.ss("GET", "/clients/"+id, tok, nil).must(t, http.StatusOK, &stored)
	tests := []struct {
		name  string
		body  map[string]any
		field string
		msg   string
	}{
		// A GET answer sent back as it is: Digdir's docs say to drop these.
		{"created and last_updated", stored, "last_updated", "must not be sent"},
		{"integration_type", with(clientBody(scopeVAT), "integration_type", "idporten"), "integration_type", "cannot be changed"},
		{"no integration_type", with(clientBody(scopeVAT), "integration_type", nil), "integration_type", "cannot be changed"},
		{"other client_id", with(clientBody(scopeVAT), "client_id", newUUID()), "client_id", "does not match"},
		{"unknown scope", clientBody("acme:nope"), "scopes", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSSError(t, e.ss("PUT", "/clients/"+id, tok, tt.body), 400, tt.field, tt.msg)
		})
	}
	checkSSError(t, e.ss("PUT", "/clients/"+newUUID(), tok, clientBody()), 404, "", "not found")
	var after map[string]any
	e.ss("GET", "/clients/"+id, tok, nil).must(t, http.StatusOK, &after)
	if !jsonEqual(t, after, stored) {
		t.Errorf("refused PUTs changed the client:\n got %v\nwant %v", after, stored)
	}
}

// Clients are visible to their owner org only; to another org they are
// "not found", exactly like a client that does not exist.
func TestSelfServiceOtherOrgsClients(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	mine := e.createClient(tok, scopeVAT)
	e.ss("POST", "/clients/"+mine+"/jwks", tok, keySet(publicJWK(t, 1, "k1"))).must(t, http.StatusOK, nil)

	// Another org with its own admin client.
	for _, s := range []string{scopeDCRRead, scopeDCRWrite} {
		e.control("POST", "/scopes", map[string]any{"name": s, "owner_org_no": digdirOrgNo,
			"allowed_integration_types": []string{"maskinporten"}, "granted_orgs": []string{DemoVendorOrgNo, customerA}}, http.StatusOK, nil)
	}
	var other createdClient
	e.control("POST", "/clients", map[string]any{"org_no": customerA, "client_name": "admin", "admin": true,
		"scopes": []string{scopeDCRRead, scopeDCRWrite}, "keys": keySet(publicJWK(t, 2, "other"))}, http.StatusCreated, &other)
	otherTok := e.tokenFor(other.ClientID, 2, "other", scopeDCRRead+" "+scopeDCRWrite)

	missing := newUUID()
	for _, tt := range []struct {
		method, suffix string
		body           any
	}{
		{"GET", "", nil}, {"PUT", "", clientBody()}, {"DELETE", "", nil},
		{"GET", "/jwks", nil}, {"POST", "/jwks", keySet(publicJWK(t, 3, "evil"))}, {"DELETE", "/jwks", nil},
	} {
		a := e.ss(tt.method, "/clients/"+mine+tt.suffix, otherTok, tt.body)
		b := e.ss(tt.method, "/clients/"+missing+tt.suffix, otherTok, tt.body)
		checkSSError(t, a, 404, "", "Client "+mine+" not found")
		if strings.ReplaceAll(errorMessages(t, a), mine, "ID") != strings.ReplaceAll(errorMessages(t, b), missing, "ID") {
			t.Errorf("%s %s: another org's client answers %s, a missing one %s", tt.method, tt.suffix, a.body, b.body)
		}
	}
	var list []ssClient
	e.ss("GET", "/clients?inactive=true", otherTok, nil).must(t, http.StatusOK, &list)
	if got := clientIDs(list); !slices.Equal(got, []string{other.ClientID}) {
		t.Errorf("the other org lists %v, want only its own admin client", got)
	}

	// The owner's client is untouched and still works; the other org's
	// new client belongs to it.
	kids, _ := kidsOf(t, e.ss("GET", "/clients/"+mine+"/jwks", tok, nil))
	if !slices.Equal(kids, []string{"k1"}) {
		t.Errorf("keys after the other org's attempts: %v", kids)
	}
	e.tokenFor(mine, 1, "k1", scopeVAT)
	var theirs ssClient
	e.ss("POST", "/clients", otherTok, clientBody("altinn:instances.read")).must(t, http.StatusCreated, &theirs)
	if theirs.ClientOrgno != customerA {
		t.Errorf("client_orgno %s, want the token's org %s", theirs.ClientOrgno, customerA)
	}
	checkSSError(t, e.ss("GET", "/clients/"+theirs.ClientID, tok, nil), 404, "", "not found")
}

func errorMessages(t *testing.T, a ssAnswer) string {
	t.Helper()
	var e ssErrAnswer
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatal(err)
	}
	return e.Error
}

func TestSelfServiceJWKSReplaceAll(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	id := e.createClient(tok, scopeVAT)
	jwks := "/clients/" + id + "/jwks"

	if a := e.ss("GET", jwks, tok, nil); a.code != 200 || strings.TrimSpace(string(a.body)) != `{"keys":[]}` {
		t.Errorf("keys of a new client: %d %s", a.code, a.body)
	}

	// The answer is the stored set: every key with Digdir's exp.
	var set map[string]any
	e.ss("POST", jwks, tok, keySet(publicJWK(t, 1, "k1"))).must(t, http.StatusOK, &set)
	key := set["keys"].([]any)[0].(map[string]any)
	var names []string
	for k := range key {
		names = append(names, k)
	}
	sort.Strings(names)
	if want := []string{"alg", "e", "exp", "kid", "kty", "n", "use"}; !slices.Equal(names, want) {
		t.Errorf("key members %v, want %v", names, want)
	}
	if set["created"] == nil || set["last_updated"] == nil {
		t.Errorf("key set %v lacks created or last_updated", set)
	}
	e.tokenFor(id, 1, "k1", scopeVAT)

	// POST replaces the whole set: k1 is gone.
	kids, _ := kidsOf(t, e.ss("POST", jwks, tok, keySet(publicJWK(t, 2, "k2"), publicJWK(t, 3, "k3"))))
	if !slices.Equal(kids, []string{"k2", "k3"}) {
		t.Errorf("after POST: %v, want [k2 k3]", kids)
	}
	a := e.token(sign(t, 1, map[string]any{"kid": "k1"}, e.grantClaims(id, scopeVAT)))
	checkError(t, e.inst.URLs.Issuer, a, 400, "invalid_grant", "", msgUnknownKid)
	e.tokenFor(id, 3, "k3", scopeVAT)

	// So does PUT, and five keys are fine.
	five := keySet(publicJWK(t, 1, "a"), publicJWK(t, 2, "b"), publicJWK(t, 3, "c"), publicJWK(t, 4, "d"), publicJWK(t, 5, "e"))
	kids, _ = kidsOf(t, e.ss("PUT", jwks, tok, five))
	if !slices.Equal(kids, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("after PUT: %v", kids)
	}
	kids, _ = kidsOf(t, e.ss("GET", jwks, tok, nil))
	if !slices.Equal(kids, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("GET after PUT: %v", kids)
	}

	// DELETE removes them all.
	if a := e.ss("DELETE", jwks, tok, nil); a.code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", a.code, a.body)
	}
	if a := e.ss("GET", jwks, tok, nil); strings.TrimSpace(string(a.body)) != `{"keys":[]}` {
		t.Errorf("keys after DELETE: %s", a.body)
	}
	a = e.token(sign(t, 5, map[string]any{"kid": "e"}, e.grantClaims(id, scopeVAT)))
	checkError(t, e.inst.URLs.Issuer, a, 400, "invalid_grant", "", msgUnknownKid)
}

// A key lives one year from its upload at most; an earlier exp of its own
// is kept; posting it again renews it; and after exp it fails (MP-121).
func TestSelfServiceKeyExpiry(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	id := e.createClient(tok, scopeVAT)
	jwks := "/clients/" + id + "/jwks"
	now := e.clock.Now()
	year := now.Add(keyLifetime).Unix()

	sent := keySet(
		withMember(t, publicJWK(t, 1, "month"), "exp", now.Add(30*24*time.Hour).Unix()),
		withMember(t, publicJWK(t, 2, "two-years"), "exp", now.Add(2*keyLifetime).Unix()),
		publicJWK(t, 3, "plain"),
	)
	_, exps := kidsOf(t, e.ss("POST", jwks, tok, sent))
	if want := []int64{now.Add(30 * 24 * time.Hour).Unix(), year, year}; !slices.Equal(exps, want) {
		t.Errorf("exps %v, want %v", exps, want)
	}

	// 100 days on, posting "plain" again gives it a new year.
	e.clock.Advance(100 * 24 * time.Hour)
	tok = e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	_, exps = kidsOf(t, e.ss("POST", jwks, tok, keySet(publicJWK(t, 3, "plain"))))
	renewed := e.clock.Now().Add(keyLifetime).Unix()
	if !slices.Equal(exps, []int64{renewed}) {
		t.Errorf("re-posted key: exp %v, want %d", exps, renewed)
	}

	// Just before its exp the key works, just after it is expired.
	e.clock.Advance(keyLifetime - time.Second)
	e.tokenFor(id, 3, "plain", scopeVAT)
	e.clock.Advance(2 * time.Second)
	a := e.token(sign(t, 3, map[string]any{"kid": "plain"}, e.grantClaims(id, scopeVAT)))
	checkError(t, e.inst.URLs.Issuer, a, 400, "invalid_grant", "MP-121", msgExpiredKey)
}

func TestSelfServiceKeyRules(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	id := e.createClient(tok, scopeVAT)
	jwks := "/clients/" + id + "/jwks"
	e.ss("POST", jwks, tok, keySet(publicJWK(t, 1, "k1"))).must(t, http.StatusOK, nil)

	good := publicJWK(t, 2, "k2")
	without := func(name string) json.RawMessage {
		var m map[string]any
		json.Unmarshal(good, &m)
		delete(m, name)
		b, _ := json.Marshal(m)
		return b
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallJWK, _ := json.Marshal(jose.JSONWebKey{Key: &small.PublicKey, KeyID: "small", Algorithm: "RS256", Use: "sig"})
	var six []json.RawMessage
	for i := range 6 {
		six = append(six, publicJWK(t, i+1, "six-"+string(rune('a'+i))))
	}
	tests := []struct {
		name string
		body any
		msg  string
	}{
		{"six keys", keySet(six...), "at most 5 keys, got 6"},
		{"empty set", keySet(), "must not be empty"},
		{"no keys member", map[string]any{"jwks": []json.RawMessage{good}}, `send {"keys":[...]}`},
		{"no use", keySet(without("use")), `use must be "sig"`},
		{"use enc", keySet(withMember(t, good, "use", "enc")), `use must be "sig"`},
		{"no alg", keySet(without("alg")), "alg must be"},
		{"ES256", keySet(withMember(t, good, "alg", "ES256")), "alg must be"},
		{"EC", keySet(withMember(t, good, "kty", "EC")), "kty must be"},
		{"no kid", keySet(without("kid")), "kid is missing"},
		{"bad kid", keySet(withMember(t, good, "kid", "my key")), "may contain only"},
		{"kid twice", keySet(good, publicJWK(t, 3, "k2")), "used twice"},
		{"no n", keySet(without("n")), `"n"`},
		{"1024 bits", keySet(smallJWK), "at least 2048"},
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		tests = append(tests, struct {
			name string
			body any
			msg  string
		}{"private " + m, keySet(withMember(t, good, m, "AQAB")), `private member "` + m + `"`})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSSError(t, e.ss("POST", jwks, tok, tt.body), 400, "keys", tt.msg)
		})
	}
	t.Run("bare array", func(t *testing.T) {
		checkSSError(t, e.ss("POST", jwks, tok, []json.RawMessage{good}), 400, "", "not a bare array")
	})
	t.Run("PUT bare array", func(t *testing.T) {
		checkSSError(t, e.ss("PUT", jwks, tok, []json.RawMessage{good}), 400, "", "not a bare array")
	})

	// Nothing refused touched the stored set.
	kids, _ := kidsOf(t, e.ss("GET", jwks, tok, nil))
	if !slices.Equal(kids, []string{"k1"}) {
		t.Errorf("keys after refused posts: %v, want [k1]", kids)
	}
}

func TestSelfServiceScopes(t *testing.T) {
	e := newSSEnv(t)
	var all []map[string]any
	e.ss("GET", "/scopes/all", "", nil).must(t, http.StatusOK, &all)
	if len(all) != len(seedScopes()) {
		t.Errorf("%d scopes listed, want the %d of the catalogue", len(all), len(seedScopes()))
	}
	want := map[string]any{"name": scopeVAT, "prefix": "skatteetaten", "subscope": "mvameldingvalidering",
		"description": "Sample: validate VAT returns", "owner_orgno": skatteetatenNo,
		"allowed_integration_types": []any{"maskinporten"}, "accessible_for_all": false,
		"visibility": "PUBLIC", "token_type": "SELF_CONTAINED", "active": true}
	if i := slices.IndexFunc(all, func(s map[string]any) bool { return s["name"] == scopeVAT }); i < 0 || !jsonEqual(t, all[i], want) {
		t.Errorf("%s listed as %v, want %v", scopeVAT, all, want)
	}

	var open []ssScope
	e.ss("GET", "/scopes/all?accessible_for_all=true", "", nil).must(t, http.StatusOK, &open)
	var names []string
	for _, s := range open {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"altinn:instances.read", "altinn:instances.write"}) {
		t.Errorf("accessible for all: %v", names)
	}

	checkSSError(t, e.ss("GET", "/scopes/access/all", "", nil), 401, "", "authentication")
	var access []map[string]any
	e.ss("GET", "/scopes/access/all", e.adminToken(scopeDCRRead), nil).must(t, http.StatusOK, &access)
	granted := map[string]map[string]any{}
	for _, a := range access {
		granted[a["scope"].(string)] = a
	}
	wantVAT := map[string]any{"scope": scopeVAT, "state": "APPROVED", "consumer_orgno": DemoVendorOrgNo, "owner_orgno": skatteetatenNo}
	if !jsonEqual(t, granted[scopeVAT], wantVAT) {
		t.Errorf("access to %s: %v, want %v", scopeVAT, granted[scopeVAT], wantVAT)
	}
	for _, s := range []string{scopeNoAccess, "altinn:instances.read"} {
		if granted[s] != nil {
			t.Errorf("access list has %s, which was never granted", s)
		}
	}
}

func TestSelfServiceUnknownPaths(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead)
	for _, path := range []string{"/clients/", "/client", "/scopes", "/"} {
		checkSSError(t, e.ss("GET", path, tok, nil), 404, "", "No endpoint")
	}
}

// Keys stored before Digdir required use come back without it, still
// sign grants, and must get use "sig" when posted again.
func TestSelfServiceLegacyKeys(t *testing.T) {
	e := newSSEnv(t)
	tok := e.adminToken(scopeDCRRead + " " + scopeDCRWrite)
	id := e.createClient(tok, scopeVAT)
	exp := e.clock.Now().Add(200 * 24 * time.Hour).Unix()
	legacy := withMember(t, publicJWK(t, 1, "old"), "exp", exp)
	var m map[string]any
	json.Unmarshal(legacy, &m)
	delete(m, "use")
	legacy, _ = json.Marshal(m)
	e.control("PUT", "/clients/"+id+"/legacy-jwks", keySet(legacy, publicJWK(t, 2, "new")), http.StatusOK, nil)

	var got struct {
		Keys []map[string]any `json:"keys"`
	}
	e.ss("GET", "/clients/"+id+"/jwks", tok, nil).must(t, http.StatusOK, &got)
	if _, has := got.Keys[0]["use"]; has || got.Keys[1]["use"] != "sig" || got.Keys[0]["exp"] != float64(exp) {
		t.Fatalf("keys %v: want the first without use and with its exp, the second with use", got.Keys)
	}
	e.tokenFor(id, 1, "old", scopeVAT)

	// Posted back as read: refused. With use added: kept, exp and all.
	checkSSError(t, e.ss("POST", "/clients/"+id+"/jwks", tok, got), 400, "keys", `use must be "sig"`)
	got.Keys[0]["use"] = "sig"
	var after struct {
		Keys []map[string]any `json:"keys"`
	}
	e.ss("POST", "/clients/"+id+"/jwks", tok, got).must(t, http.StatusOK, &after)
	if !jsonEqual(t, after.Keys, got.Keys) {
		t.Errorf("stored\n %v\nwant\n %v", after.Keys, got.Keys)
	}

	// The control route keeps every other rule.
	e.control("PUT", "/clients/"+id+"/legacy-jwks", keySet(withMember(t, legacy, "d", "AQAB")), http.StatusBadRequest, nil)
	e.control("PUT", "/clients/"+newUUID()+"/legacy-jwks", keySet(legacy), http.StatusNotFound, nil)
}
