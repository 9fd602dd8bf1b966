package maskinporten

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

var testNow = time.Unix(1757498372, 0)

const testAud = "https://test.maskinporten.no/"

// verifyGrant checks the signature with pub and returns header and claims.
func verifyGrant(t *testing.T, assertion string, pub *rsa.PublicKey, alg jose.SignatureAlgorithm) *Decoded {
	t.Helper()
	jws, err := jose.ParseSignedCompact(assertion, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatalf("parse grant: %v", err)
	}
	if _, err := jws.Verify(pub); err != nil {
		t.Fatalf("grant signature: %v", err)
	}
	d, err := Decode(assertion)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func num(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

func TestSignKeyGrant(t *testing.T) {
	key := testKey(t, 0)
	g := Grant{Audience: testAud, ClientID: "826acbbc-ee17-4946-af92-cf4885ebe951", Scopes: []string{"altinn:broker.read", "altinn:broker.write"}}
	assertion, jti, err := g.Sign(Signer{Key: key, KID: "key-1"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d := verifyGrant(t, assertion, &key.PublicKey, jose.RS256)

	wantHeader := map[string]any{"alg": "RS256", "kid": "key-1"}
	if !reflect.DeepEqual(d.Header, wantHeader) {
		t.Errorf("header = %v, want %v", d.Header, wantHeader)
	}
	wantClaims := map[string]any{
		"aud":   testAud, // a string, not an array
		"iss":   "826acbbc-ee17-4946-af92-cf4885ebe951",
		"scope": "altinn:broker.read altinn:broker.write",
		"iat":   num(testNow.Unix()),
		"exp":   num(testNow.Unix() + 120),
		"jti":   jti,
	}
	if !reflect.DeepEqual(d.Claims, wantClaims) {
		t.Errorf("claims = %v\nwant     %v", d.Claims, wantClaims)
	}
	if jti == "" {
		t.Error("empty jti")
	}
}

func TestSignSystemUserGrant(t *testing.T) {
	key := testKey(t, 0)
	tests := []struct {
		name        string
		externalRef string
		wantDetail  map[string]any
	}{
		{"without externalRef", "", map[string]any{
			"type":           "urn:altinn:systemuser",
			"systemuser_org": map[string]any{"authority": "iso6523-actorid-upis", "ID": "0192:310007919"},
		}},
		{"with externalRef", "kunde-42", map[string]any{
			"type":           "urn:altinn:systemuser",
			"systemuser_org": map[string]any{"authority": "iso6523-actorid-upis", "ID": "0192:310007919"},
			"externalRef":    "kunde-42",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Grant{
				Audience: testAud, ClientID: "client-1", Scopes: []string{"krr:global/kontaktinformasjon.read"},
				Resource: "https://api.example.no/", SystemUserOrg: "310007919", ExternalRef: tt.externalRef,
				Lifetime: 60 * time.Second,
			}
			assertion, jti, err := g.Sign(Signer{Key: key, KID: "key-1"}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			d := verifyGrant(t, assertion, &key.PublicKey, jose.RS256)
			want := map[string]any{
				"aud": testAud, "iss": "client-1", "scope": "krr:global/kontaktinformasjon.read",
				"iat": num(testNow.Unix()), "exp": num(testNow.Unix() + 60), "jti": jti,
				"resource":              "https://api.example.no/",
				"authorization_details": []any{tt.wantDetail},
			}
			if !reflect.DeepEqual(d.Claims, want) {
				t.Errorf("claims = %v\nwant     %v", d.Claims, want)
			}
		})
	}
}

// TestGrantMatchesRealExample compares the claim names (at every level) of our
// system-user grant with a real one from Altinn's documentation.
func TestGrantMatchesRealExample(t *testing.T) {
	var real map[string]any
	if err := json.Unmarshal(sharedFixture(t, "altinn/maskinporten-systemuser-jwt-grant-claims.json"), &real); err != nil {
		t.Fatal(err)
	}
	g := Grant{Audience: testAud, ClientID: "c", Scopes: []string{"s"}, SystemUserOrg: "310007919", ExternalRef: "x"}
	assertion, _, err := g.Sign(Signer{Key: testKey(t, 0), KID: "k"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(assertion)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := shape(d.Claims), shape(real); !reflect.DeepEqual(got, want) {
		t.Errorf("claim names = %v\nreal example  %v", got, want)
	}
}

// shape lists the JSON paths of v, e.g. "authorization_details[].systemuser_org.ID".
func shape(v any) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(prefix+"."+k, v[k])
			}
		case []any:
			for _, e := range v {
				walk(prefix+"[]", e)
			}
		default:
			out = append(out, prefix)
		}
	}
	walk("", v)
	return out
}

func TestSignAlgorithms(t *testing.T) {
	key := testKey(t, 0)
	g := Grant{Audience: testAud, ClientID: "c", Scopes: []string{"s"}}
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512} {
		assertion, _, err := g.Sign(Signer{Key: key, KID: "k", Alg: string(alg)}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		d := verifyGrant(t, assertion, &key.PublicKey, alg)
		if d.Header["alg"] != string(alg) {
			t.Errorf("alg = %v, want %s", d.Header["alg"], alg)
		}
	}
}

func TestSignX5C(t *testing.T) {
	caKey, leafKey := testKey(t, 1), testKey(t, 0)
	leaf, ca := testChain(t, caKey, leafKey, "310000000")
	g := Grant{Audience: testAud, ClientID: "c", Scopes: []string{"s"}}
	assertion, _, err := g.Sign(Signer{Key: leafKey, Chain: []*x509.Certificate{leaf, ca}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d := verifyGrant(t, assertion, &leafKey.PublicKey, jose.RS256)
	want := map[string]any{
		"alg": "RS256",
		// Standard base64 with padding, leaf first, as a JSON array; no kid.
		"x5c": []any{base64.StdEncoding.EncodeToString(leaf.Raw), base64.StdEncoding.EncodeToString(ca.Raw)},
	}
	if !reflect.DeepEqual(d.Header, want) {
		t.Errorf("header = %v, want %v", d.Header, want)
	}

	// A receiver can validate the chain from the header alone.
	jws, err := jose.ParseSignedCompact(assertion, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := jws.Signatures[0].Header.Certificates(x509.VerifyOptions{Roots: roots}); err != nil {
		t.Errorf("x5c chain does not verify: %v", err)
	}
}

func TestSignFreshJTI(t *testing.T) {
	g := Grant{Audience: testAud, ClientID: "c", Scopes: []string{"s"}}
	s := Signer{Key: testKey(t, 0), KID: "k"}
	_, jti1, err := g.Sign(s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, jti2, err := g.Sign(s, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if jti1 == jti2 {
		t.Errorf("two grants share jti %q", jti1)
	}
}

func TestSignValidation(t *testing.T) {
	key := testKey(t, 0)
	leaf, ca := testChain(t, testKey(t, 1), key, "310000000")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	good := Grant{Audience: testAud, ClientID: "c", Scopes: []string{"s"}}
	goodS := Signer{Key: key, KID: "k"}
	tests := []struct {
		name    string
		edit    func(*Grant, *Signer)
		wantErr string
	}{
		{"no audience", func(g *Grant, _ *Signer) { g.Audience = "" }, "audience is empty"},
		{"relative audience", func(g *Grant, _ *Signer) { g.Audience = "maskinporten.no/" }, "not an absolute URL"},
		{"audience without slash", func(g *Grant, _ *Signer) { g.Audience = "https://test.maskinporten.no" }, "lacks the trailing slash"},
		{"no client id", func(g *Grant, _ *Signer) { g.ClientID = " " }, "client id is empty"},
		{"client id with space", func(g *Grant, _ *Signer) { g.ClientID = "a b" }, "white space"},
		{"no scopes", func(g *Grant, _ *Signer) { g.Scopes = nil }, "at least one scope"},
		{"empty scope", func(g *Grant, _ *Signer) { g.Scopes = []string{"a", ""} }, `scope ""`},
		{"two scopes in one", func(g *Grant, _ *Signer) { g.Scopes = []string{"a b"} }, "give each scope separately"},
		{"token as client id", func(g *Grant, _ *Signer) { g.ClientID = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln" }, "is a token (JWT), not a client id"},
		{"huge client id", func(g *Grant, _ *Signer) { g.ClientID = strings.Repeat("a", 100_000) }, "100000 characters long"},
		{"client id with escape", func(g *Grant, _ *Signer) { g.ClientID = "a\x1b[2J" }, "U+001B"},
		{"huge scope", func(g *Grant, _ *Signer) { g.Scopes = []string{"a:" + strings.Repeat("b", 100_000)} }, "100002 characters long"},
		{"too many scopes", func(g *Grant, _ *Signer) { g.Scopes = make([]string, 51) }, "51 scopes"},
		{"scope with quote", func(g *Grant, _ *Signer) { g.Scopes = []string{`a:"b`} }, `contains '"'`},
		{"huge resource", func(g *Grant, _ *Signer) { g.Resource = "https://x/" + strings.Repeat("r", 100_000) }, "100010 characters long"},
		{"relative resource", func(g *Grant, _ *Signer) { g.Resource = "api.example.no" }, "not an absolute URI"},
		{"huge externalRef", func(g *Grant, _ *Signer) {
			g.SystemUserOrg, g.ExternalRef = "310007919", strings.Repeat("e", 100_000)
		}, "100000 characters long"},
		{"externalRef with newline", func(g *Grant, _ *Signer) { g.SystemUserOrg, g.ExternalRef = "310007919", "a\nb" }, "U+000A"},
		{"huge kid", func(_ *Grant, s *Signer) { s.KID = strings.Repeat("k", 100_000) }, "kid) is 100000 characters"},
		{"kid with escape", func(_ *Grant, s *Signer) { s.KID = "k\x1b]0;t\x07" }, "U+001B"},
		{"org with prefix", func(g *Grant, _ *Signer) { g.SystemUserOrg = "0192:310007919" }, "without the 0192: prefix"},
		{"short org", func(g *Grant, _ *Signer) { g.SystemUserOrg = "31000791" }, "exactly 9 digits"},
		{"bad check digit", func(g *Grant, _ *Signer) { g.SystemUserOrg = "310007918" }, "wrong check digit"},
		{"externalRef without org", func(g *Grant, _ *Signer) { g.ExternalRef = "x" }, "only used with a system-user token"},
		{"blank externalRef", func(g *Grant, _ *Signer) { g.SystemUserOrg, g.ExternalRef = "310007919", "  " }, "externalRef is blank"},
		{"lifetime too long", func(g *Grant, _ *Signer) { g.Lifetime = 121 * time.Second }, "longer than Maskinporten's 2m0s limit"},
		{"negative lifetime", func(g *Grant, _ *Signer) { g.Lifetime = -time.Second }, "negative"},
		{"tiny lifetime", func(g *Grant, _ *Signer) { g.Lifetime = time.Millisecond }, "shorter than one second"},
		{"no key", func(_ *Grant, s *Signer) { s.Key = nil }, "no private key"},
		{"small key", func(_ *Grant, s *Signer) { s.Key = small }, "1024 bits; Maskinporten needs at least 2048"},
		{"kid and chain", func(_ *Grant, s *Signer) { s.Chain = []*x509.Certificate{leaf} }, "not both"},
		{"neither kid nor chain", func(_ *Grant, s *Signer) { s.KID = "" }, "neither a key id"},
		{"chain of another key", func(_ *Grant, s *Signer) { s.KID, s.Chain = "", []*x509.Certificate{ca} }, "put the leaf"},
		{"unsupported alg", func(_ *Grant, s *Signer) { s.Alg = "ES256" }, "use RS256, RS384 or RS512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, s := good, goodS
			tt.edit(&g, &s)
			assertion, _, err := g.Sign(s, testNow)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Sign error = %v, want it to contain %q", err, tt.wantErr)
			}
			if assertion != "" {
				t.Error("an assertion was returned with the error")
			}
		})
	}
	if _, _, err := good.Sign(goodS, testNow); err != nil {
		t.Fatalf("baseline grant: %v", err)
	}
}

func TestSignerDoesNotPrintKey(t *testing.T) {
	s := Signer{Key: testKey(t, 0), KID: "k1"}
	d := s.Key.D.String()
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v %#v %s", s, s, &s)} {
		if strings.Contains(out, d[:20]) || !strings.Contains(out, "RS256 key k1") {
			t.Errorf("formatted signer = %q", out)
		}
	}
}
