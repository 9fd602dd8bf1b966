package maskinporten

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// unsigned builds header.payload.sig from JSON texts; Decode never looks at
// the signature.
func unsigned(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + enc([]byte("sig"))
}

func TestDecode(t *testing.T) {
	tok := unsigned(`{"alg":"RS256","kid":"k"}`, `{"iss":"https://test.maskinporten.no/","big":12345678901234567890,"frac":1.50,"exp":1757498492}`)
	for _, in := range []string{tok, " \n" + tok + "\n", `"` + tok + `"`} {
		d, err := Decode(in)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]any{"alg": "RS256", "kid": "k"}; !reflect.DeepEqual(d.Header, want) {
			t.Errorf("header = %v", d.Header)
		}
		want := map[string]any{
			"iss":  "https://test.maskinporten.no/",
			"big":  json.Number("12345678901234567890"), // would lose digits as float64
			"frac": json.Number("1.50"),
			"exp":  json.Number("1757498492"),
		}
		if !reflect.DeepEqual(d.Claims, want) {
			t.Errorf("claims = %v, want %v", d.Claims, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	secretish := unsigned(`{"alg":"RS256"}`, `[1,2]`)
	tests := []struct {
		in, wantErr string
	}{
		{"abc", "expected 3 dot-separated parts, found 1"},
		{"a.b.c.d.e", "encrypted token (JWE)"},
		{"!!.e30.x", "JWT header: not valid base64url"},
		{unsigned(`[]`, `{}`), "JWT header: not a JSON object"},
		{unsigned(`{}`, `{} {}`), "JWT claims: trailing data"},
		{secretish, "JWT claims: not a JSON object"},
	}
	for _, tt := range tests {
		_, err := Decode(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Decode(%.20q) error = %v, want %q", tt.in, err, tt.wantErr)
		}
		if err != nil && len(tt.in) > 10 && strings.Contains(err.Error(), tt.in) {
			t.Errorf("error quotes the token: %v", err)
		}
	}
}

func TestTypedClaimsSystemUserToken(t *testing.T) {
	// A real system-user token payload from Altinn's docs: note lower-case
	// "id" inside systemuser_org and upper-case "ID" in consumer.
	d, err := Decode(unsigned(`{"alg":"RS256"}`, string(sharedFixture(t, "altinn/maskinporten-systemuser-token-claims.json"))))
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.TypedClaims()
	if err != nil {
		t.Fatal(err)
	}
	want := &Claims{
		Issuer: "https://test.maskinporten.no/", Scope: "krr:global/kontaktinformasjon.read",
		ClientID: "fc9a8287-e7cb-45e5-b90e-123048d32d85", ClientAMR: "private_key_jwt", TokenType: "Bearer",
		JTI:      "-SpfU--1Zn_Oqvkpjwu3oVn--VLcPzSAwjqyiP6zBEw",
		IssuedAt: time.Unix(1718175015, 0), ExpiresAt: time.Unix(1718175135, 0),
		Consumer: &Party{Authority: "iso6523-actorid-upis", ID: "0192:987654321"},
		AuthorizationDetails: []AuthorizationDetail{{
			Type:          SystemUserType,
			SystemUserOrg: &Party{Authority: "iso6523-actorid-upis", ID: "0192:123456789"},
			SystemUserID:  []string{"ebe4a681-0a8c-429e-a36f-8f9ca942b59f"},
			SystemID:      "123456789_systemid",
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claims =\n%+v\nwant\n%+v", c, want)
	}
	if su := c.SystemUser(); su == nil || su.SystemUserOrg.OrgNo() != "123456789" {
		t.Errorf("SystemUser() = %+v", su)
	}
}

func TestTypedClaimsVariants(t *testing.T) {
	// An Altinn-exchanged token: aud as array, numeric authlevel,
	// fractional exp, upper-case ID, a single systemuser_id string.
	d, err := Decode(unsigned(`{"alg":"RS256"}`, `{
		"aud":["a","b"], "exp":1718175135.5, "urn:altinn:authlevel":3, "urn:altinn:orgNumber":"310000000",
		"urn:altinn:authenticatemethod":"maskinporten", "scope":"a b",
		"authorization_details":[{"type":"urn:altinn:systemuser","systemuser_org":{"AUTHORITY":"iso6523-actorid-upis","ID":"0192:310007919"},"systemuser_id":"u-1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.TypedClaims()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Audience, []string{"a", "b"}) || c.AltinnAuthLevel != "3" || c.AltinnOrgNumber != "310000000" ||
		c.AltinnAuthenticateMethod != "maskinporten" || !c.ExpiresAt.Equal(time.UnixMilli(1718175135500)) ||
		!reflect.DeepEqual(c.Scopes(), []string{"a", "b"}) || c.Consumer != nil {
		t.Errorf("claims = %+v", c)
	}
	su := c.SystemUser()
	if su == nil || *su.SystemUserOrg != (Party{"iso6523-actorid-upis", "0192:310007919"}) || !reflect.DeepEqual(su.SystemUserID, []string{"u-1"}) {
		t.Errorf("system user = %+v", su)
	}

	plain, _ := Decode(unsigned(`{}`, `{"aud":"x"}`))
	if c, err := plain.TypedClaims(); err != nil || c.SystemUser() != nil || !c.ExpiresAt.IsZero() || !reflect.DeepEqual(c.Audience, []string{"x"}) {
		t.Errorf("plain claims = %+v, %v", c, err)
	}
}

func TestParseNumericDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1718175135", time.Unix(1718175135, 0), true},
		{"1718175135.5", time.UnixMilli(1718175135500), true},
		{"0", time.Unix(0, 0), true},
		{"253402300799", time.Unix(253402300799, 0), true},
		{"253402300800", time.Time{}, false},
		{"1e300", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
		{"-1", time.Time{}, false},
		{`"1718175135"`, time.Time{}, false},
		{`"tomorrow"`, time.Time{}, false},
		{"true", time.Time{}, false},
		{"{}", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseNumericDate([]byte(tt.in))
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseNumericDate(%s) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTypedClaimsInvalidTimes(t *testing.T) {
	d := &Decoded{RawClaims: []byte(`{"iss":"x","exp":1e300,"iat":"yesterday"}`)}
	c, err := d.TypedClaims()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.InvalidTimes, []string{"iat", "exp"}) || !c.ExpiresAt.IsZero() || !c.IssuedAt.IsZero() {
		t.Errorf("claims = %+v", c)
	}
}
