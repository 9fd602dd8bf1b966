package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The system register's wire quirks that a well-behaved client never
// triggers: raw bodies in Altinn's casing, explicit nulls, missing fields.
// The field rules are tested through the Go client in
// api/altinn/systemregister.

func (e *testEnv) registerToken() string {
	e.t.Helper()
	client := e.addClient([]string{scopeSystemRegisterWrite}, 0)
	a := e.token(sign(e.t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeSystemRegisterWrite)))
	if a.status != http.StatusOK {
		e.t.Fatalf("token: %d %s", a.status, a.Description)
	}
	return a.AccessToken
}

// raw sends body as it is, with tok.
func (e *testEnv) raw(method, path, tok, body string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.inst.URLs.Altinn+"/authentication/api/v1/systemregister/vendor"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestSystemRegisterWire(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.registerToken()
	// PascalCase members bind (ASP.NET is case-insensitive), surrounding
	// spaces in the id are trimmed, unknown members are ignored.
	body := `{"Id":" 310000000_wire ","Vendor":{"ID":"0192:310000000"},"Name":{"nb":"W"},"Description":{"nb":"W"},
		"AccessPackages":[{"Urn":"urn:altinn:accesspackage:regnskapsforer-lonn"}],"IsVisible":false,
		"ClientId":["c1"],"AllowedRedirectUrls":["https://Wire.example"],"externalReference":"ignored"}`
	code, ctype, answer := e.raw("POST", "", tok, body)
	var internalID string
	if code != 200 || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal([]byte(answer), &internalID) != nil || len(internalID) != 36 {
		t.Fatalf("create = %d %s %s, want 200 and a bare JSON string", code, ctype, answer)
	}
	code, _, answer = e.raw("GET", "/310000000_wire", tok, "")
	var got systemResponse
	json.Unmarshal([]byte(answer), &got)
	if code != 200 || got.IsVisible || got.AllowedRedirectURLs[0] != "https://wire.example/" || got.ClientID[0] != "c1" ||
		!bytes.Contains([]byte(answer), []byte(`"vendor":{"ID":"0192:310000000"}`)) {
		t.Errorf("get = %d %s", code, answer)
	}

	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"explicit null rights crash", "POST", "", `{"id":"310000000_n","vendor":{"ID":"0192:310000000"},"name":{},"description":{},"rights":null}`, 500, ""},
		{"missing fields", "POST", "", `{"vendor":{"ID":"0192:310000000"},"name":{}}`, 400,
			`"errors":{"Description":["The Description field is required."],"Id":["The Id field is required."]}`},
		{"not JSON", "POST", "", `{`, 400, `"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1"`},
		{"VLD-00000 comes alone", "POST", "", `{"id":"x y","vendor":{"ID":"310000000"},"name":{},"description":{}}`, 400,
			`"validationErrors":[{"code":"AUTH.VLD-00000","paths":["/registersystemrequest/vendor/id"],"title":"the org number identifier is not valid ISO6523 identifier"}]`},
		{"unknown id on GET", "GET", "/310000000_nope", "", 404, `"title":"Not Found"`},
		{"unknown id on DELETE", "DELETE", "/310000000_nope", "", 400, `"errors":{"return":["System not found"]}`},
		{"unknown id on rights", "PUT", "/310000000_nope/rights", `[]`, 500, ""},
		{"visible PUT of client packages", "PUT", "/310000000_wire", `{"id":"310000000_wire","vendor":{"ID":"0192:310000000"},"name":{},"description":{},
			"accessPackages":[{"urn":"urn:altinn:accesspackage:regnskapsforer-lonn"}]}`, 400, `"code":"AUTH.VLD-00018"`},
		{"no token", "GET", "", "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bearer := tok
			if tt.status == 401 {
				bearer = ""
			}
			code, _, answer := e.raw(tt.method, tt.path, bearer, tt.body)
			if code != tt.status || !strings.Contains(answer, tt.want) || (tt.want == "" && code != 500 && answer != "") {
				t.Errorf("%s %s = %d %s, want %d with %s", tt.method, tt.path, code, answer, tt.status, tt.want)
			}
		})
	}
}
