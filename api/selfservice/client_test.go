package selfservice

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
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
	c := NewMaskinportenClient("ACME - invoice-sync - test", "Invoice sync for customer X (who/what/why)", []string{"prefix:api.read"})
	got, err := h.api.CreateClient(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if body := h.fake.lastBody("POST " + fakeBase + "/clients"); !sameJSON(t, []byte(body), []byte(minimalCreateBody)) {
		t.Errorf("create body\n got %s\nwant %s", body, minimalCreateBody)
	}
	if ValidClientID(got.ClientID) != nil || got.ClientOrgno != fakeOrgno || !got.Active {
		t.Errorf("created client %+v: want a UUID client id, the org and active", got)
	}
	if !got.Created.Equal(h.fake.now) {
		t.Errorf("Created = %v, want %v", got.Created, h.fake.now)
	}

	// It is listed, readable and, deleted, gone.
	list, err := h.api.ListClients(t.Context())
	if err != nil || len(list) != 1 || list[0].ClientID != got.ClientID {
		t.Fatalf("ListClients = %+v, %v; want the new client", list, err)
	}
	if _, err := h.api.GetClient(t.Context(), got.ClientID); err != nil {
		t.Fatal(err)
	}
	if err := h.api.DeleteClient(t.Context(), got.ClientID); err != nil {
		t.Fatal(err)
	}
	_, err = h.api.GetClient(t.Context(), got.ClientID)
	var e *Error
	if !errors.As(err, &e) || !e.NotFound() || e.Hint() == "" {
		t.Errorf("GetClient of a deleted client: %v, want a 404 *Error with a hint", err)
	}
}

func TestCreateClientRefusesAnID(t *testing.T) {
	h := newHarness(t)
	c := NewMaskinportenClient("n", "d", nil)
	c.ClientID = newUUID()
	if _, err := h.api.CreateClient(t.Context(), c); err == nil {
		t.Fatal("creating a client that has an id: no error")
	}
	if r := h.fake.requests(); len(r) != 0 {
		t.Errorf("requests %q, want none", r)
	}
}

func TestUpdateClientKeepsUnknownMembers(t *testing.T) {
	h := newHarness(t)
	id := h.fake.seedClient(map[string]any{
		"future_member":  map[string]any{"nested": []int{1, 2}},
		"redirect_uris":  []string{},
		"sso_disabled":   false,
		"jwks_uri":       "/clients/x/jwks",
		"supplier_orgno": "991825827",
	})
	c, err := h.api.GetClient(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	sent := h.fake.storedClient(id) // what GET sent
	c.Description = "new description"
	c.Scopes = append(c.Scopes, "prefix:api.write")

	got, err := h.api.UpdateClient(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var put map[string]json.RawMessage
	if err := json.Unmarshal([]byte(h.fake.lastBody("PUT "+fakeBase+"/clients/"+id)), &put); err != nil {
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
	if got.Description != "new description" || !slices.Contains(got.Scopes, "prefix:api.write") {
		t.Errorf("updated client %+v, want the new description and scope", got)
	}
	if len(put) != len(sent)-2 {
		t.Errorf("PUT has %d members, want the %d received minus created and last_updated", len(put), len(sent))
	}
}

func TestClientJSONRoundTrip(t *testing.T) {
	in := `{"client_id":"d1427568-1eba-1bf2-59ed-1c4af065f30e","client_name":"n","description":"d",
	"scopes":["folkeregister:deling/offentligmedhjemmel"],"authorization_lifetime":0,"access_token_lifetime":0,
	"refresh_token_lifetime":0,"refresh_token_usage":"ONETIME","frontchannel_logout_session_required":false,
	"token_endpoint_auth_method":"private_key_jwt","grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],
	"integration_type":"maskinporten","application_type":"web","client_orgno":"123456789","active":true,
	"created":"2021-09-15T10:20:43.354+02:00","last_updated":"2021-09-15T10:20:43.354+02:00"}`
	var c Client
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
		change func(*Client)
		member string
		want   string
	}{
		{"clear description", func(c *Client) { c.Description = "" }, "description", `""`},
		{"deactivate", func(c *Client) { c.Active = false }, "active", `false`},
		{"set lifetime", func(c *Client) { c.AccessTokenLifetime = 60 }, "access_token_lifetime", `60`},
		{"new member", func(c *Client) { c.SupplierOrgno = "991825827" }, "supplier_orgno", `"991825827"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Client
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
				if k != tt.member && string(m[k]) != string(v) {
					t.Errorf("unchanged %s became %s, want %s", k, m[k], v)
				}
			}
		})
	}
}
