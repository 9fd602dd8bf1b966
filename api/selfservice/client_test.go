package selfservice_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/api/selfservice"
)

// The minimal create body of the reference (§5.4), as peers send it.
const minimalCreateBody = `{
  "integration_type": "maskinporten",
  "application_type": "web",
  "client_name": "ACME - invoice-sync - test",
  "description": "Invoice sync for customer X (who/what/why)",
  "token_endpoint_auth_method": "private_key_jwt",
  "grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
  "scopes": ["prefix:api.read"]
}`

func TestCreateClientSendsTheMinimalBody(t *testing.T) {
	h := newHarness(t)
	h.addScope("prefix:api.read", []string{"maskinporten"}, false, vendorOrg)
	c := selfservice.NewMaskinportenClient("ACME - invoice-sync - test", "Invoice sync for customer X (who/what/why)", []string{"prefix:api.read"})
	got, err := h.api.CreateClient(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if body := h.rec.lastBody("POST /clients"); !sameJSON(t, []byte(body), []byte(minimalCreateBody)) {
		t.Errorf("create body\n got %s\nwant %s", body, minimalCreateBody)
	}
	if selfservice.ValidClientID(got.ClientID) != nil || got.ClientOrgno != vendorOrg || !got.Active ||
		!slices.Equal(got.Scopes, []string{"prefix:api.read"}) {
		t.Errorf("created client %+v: want a UUID client id, the vendor's org, active, the scope", got)
	}
	if !got.Created.Equal(h.clock.Now()) {
		t.Errorf("Created = %v, want %v", got.Created, h.clock.Now())
	}
}

func TestCreateClientRefusesAnID(t *testing.T) {
	h := newHarness(t)
	c := selfservice.NewMaskinportenClient("n", "d", nil)
	c.ClientID = newUUID()
	if _, err := h.api.CreateClient(t.Context(), c); err == nil {
		t.Fatal("creating a client that has an id: no error")
	}
	if r := h.rec.requests(); len(r) != 0 {
		t.Errorf("requests %q, want none", r)
	}
}

// A client made through the API gets tokens at once with a key added by
// AddKey; deleted, it is gone from the list and gets no more tokens.
func TestClientLifecycle(t *testing.T) {
	h := newHarness(t)
	c := h.newClient("invoice-sync", scopeVAT)
	if _, err := h.api.AddKey(t.Context(), c.ClientID, publicJWK(0, "k0")); err != nil {
		t.Fatal(err)
	}
	tok, err := h.clientToken(c.ClientID, 0, "k0", scopeVAT)
	if err != nil {
		t.Fatalf("token right after AddKey: %v", err)
	}
	if tok.Scope != scopeVAT {
		t.Errorf("token scope %q", tok.Scope)
	}

	list, err := h.api.ListClients(t.Context())
	if err != nil || !slices.ContainsFunc(list, func(l selfservice.Client) bool { return l.ClientID == c.ClientID }) {
		t.Fatalf("ListClients = %+v, %v; want the new client", list, err)
	}
	if err := h.api.DeleteClient(t.Context(), c.ClientID); err != nil {
		t.Fatal(err)
	}
	if n := h.clientsNamed("invoice-sync"); n != 0 {
		t.Errorf("a deleted client is listed")
	}
	_, err = h.api.GetClient(t.Context(), c.ClientID)
	var e *selfservice.Error
	if !errors.As(err, &e) || !e.NotFound() || e.Hint() == "" {
		t.Errorf("GetClient of a deleted client: %v, want a 404 *Error with a hint", err)
	}
	_, err = h.clientToken(c.ClientID, 0, "k0", scopeVAT)
	var me *maskinporten.Error
	if !errors.As(err, &me) || me.MPCode != "MP-100" {
		t.Errorf("token for a deleted client: %v, want MP-100", err)
	}
}

// A GET answer goes back on PUT with every member the type does not model
// unchanged, and without the read-only created and last_updated (which the
// simulator refuses).
func TestUpdateClientKeepsUnknownMembers(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync", scopeVAT).ClientID
	c, err := h.api.GetClient(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]json.RawMessage // what GET sent
	if err := json.Unmarshal([]byte(h.rec.lastResponse("GET /clients/"+id)), &sent); err != nil {
		t.Fatal(err)
	}
	if _, ok := sent["refresh_token_usage"]; !ok {
		t.Fatal("the client has no member the type does not model: the test proves nothing")
	}
	c.Description = "new description"
	c.Scopes = append(c.Scopes, scopeVATOut)
	h.clock.Advance(time.Minute)

	got, err := h.api.UpdateClient(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var put map[string]json.RawMessage
	if err := json.Unmarshal([]byte(h.rec.lastBody("PUT /clients/"+id)), &put); err != nil {
		t.Fatal(err)
	}
	for k, v := range sent {
		switch k {
		case "created", "last_updated":
			if _, ok := put[k]; ok {
				t.Errorf("PUT carries read-only %s", k)
			}
		case "description", "scopes":
		default:
			if !sameJSON(t, put[k], v) {
				t.Errorf("PUT %s = %s, want it as received: %s", k, put[k], v)
			}
		}
	}
	if len(put) != len(sent)-2 {
		t.Errorf("PUT has %d members, want the %d received minus created and last_updated", len(put), len(sent))
	}
	if got.Description != "new description" || !slices.Equal(got.Scopes, []string{scopeVAT, scopeVATOut}) ||
		!got.LastUpdated.Equal(h.clock.Now()) || !got.Created.Equal(c.Created) {
		t.Errorf("updated client %+v, want the new description and scope, created kept", got)
	}
	again, err := h.api.GetClient(t.Context(), id)
	if err != nil || again.Description != "new description" {
		t.Errorf("GetClient after the update: %+v, %v", again, err)
	}
}

func TestClientJSONRoundTrip(t *testing.T) {
	in := `{"client_id":"d1427568-1eba-1bf2-59ed-1c4af065f30e","client_name":"n","description":"d",
	"scopes":["folkeregister:deling/offentligmedhjemmel"],"authorization_lifetime":0,"access_token_lifetime":0,
	"refresh_token_lifetime":0,"refresh_token_usage":"ONETIME","frontchannel_logout_session_required":false,
	"token_endpoint_auth_method":"private_key_jwt","grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],
	"integration_type":"maskinporten","application_type":"web","client_orgno":"123456789","active":true,
	"future_member":{"nested":[1,2]},"redirect_uris":[],"sso_disabled":false,
	"created":"2021-09-15T10:20:43.354+02:00","last_updated":"2021-09-15T10:20:43.354+02:00"}`
	var c selfservice.Client
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2021, 9, 15, 8, 20, 43, 354e6, time.UTC); !c.Created.Equal(want) {
		t.Errorf("Created = %v, want %v", c.Created, want)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, out, []byte(in)) {
		t.Errorf("round trip changed the client:\n got %s\nwant %s", out, in)
	}

	tests := []struct {
		name   string
		change func(*selfservice.Client)
		member string
		want   string
	}{
		{"clear description", func(c *selfservice.Client) { c.Description = "" }, "description", `""`},
		{"deactivate", func(c *selfservice.Client) { c.Active = false }, "active", `false`},
		{"set lifetime", func(c *selfservice.Client) { c.AccessTokenLifetime = 60 }, "access_token_lifetime", `60`},
		{"new member", func(c *selfservice.Client) { c.SupplierOrgno = "991825827" }, "supplier_orgno", `"991825827"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c selfservice.Client
			json.Unmarshal([]byte(in), &c)
			tt.change(&c)
			b, _ := json.Marshal(c)
			var m map[string]json.RawMessage
			json.Unmarshal(b, &m)
			if string(m[tt.member]) != tt.want {
				t.Errorf("%s = %s, want %s", tt.member, m[tt.member], tt.want)
			}
			var orig map[string]json.RawMessage
			json.Unmarshal([]byte(in), &orig)
			for k, v := range orig {
				if k != tt.member && !sameJSON(t, m[k], v) {
					t.Errorf("unchanged %s became %s, want %s", k, m[k], v)
				}
			}
		})
	}
}

// A key read from Digdir is written back with the members JWK does not
// model, plus what the program changed.
func TestJWKJSONRoundTrip(t *testing.T) {
	in := legacyKey(0, "legacy", 1900000000)
	in["key_ops"] = raw([]string{"verify"})
	var k selfservice.JWK
	if err := json.Unmarshal(raw(in), &k); err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(k); !sameJSON(t, out, raw(in)) {
		t.Errorf("round trip changed the key:\n got %s\nwant %s", out, raw(in))
	}
	k.Use = "sig"
	in["use"] = raw("sig")
	if out, _ := json.Marshal(k); !sameJSON(t, out, raw(in)) {
		t.Errorf("with use:\n got %s\nwant %s", out, raw(in))
	}
}
