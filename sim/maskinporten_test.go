package sim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	scopeVAT      = "skatteetaten:mvameldingvalidering"
	scopeVATSend  = "skatteetaten:mvameldinginnsending"
	scopeIDporten = "altinn:portal/enduser"              // not allowed for maskinporten
	scopeNoAccess = "altinn:serviceowner/instances.read" // vendor lacks access
	customerA     = "310007919"
	customerB     = "310055433"
)

// testCA is a CA made in the test, standing in for Buypass or Commfides.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Country: []string{"NO"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert, key}
}

// leaf issues a virksomhetssertifikat-like certificate for orgNo (subject
// serialNumber) over test key i.
func (ca *testCA) leaf(t *testing.T, i int, orgNo string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(100 + i)),
		Subject: pkix.Name{CommonName: "DEMO REGNSKAP AS", Organization: []string{"DEMO REGNSKAP AS"},
			SerialNumber: orgNo, Country: []string{"NO"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &testKey(t, i).PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func x5cOf(certs ...*x509.Certificate) []string {
	var out []string
	for _, c := range certs {
		out = append(out, base64.StdEncoding.EncodeToString(c.Raw))
	}
	return out
}

func (ca *testCA) pem() string { return certPEM(ca.cert) }

var traceSuffix = regexp.MustCompile(` \(trace_id: [0-9a-f]{32}\)$`)

// checkError asserts a token error answer.
func checkError(t *testing.T, iss string, a tokenAnswer, status int, errCode, mp, stem string) {
	t.Helper()
	if a.status != status || a.Error != errCode {
		t.Fatalf("got %d %q (%s), want %d %q", a.status, a.Error, a.Description, status, errCode)
	}
	wantURI := ""
	if mp != "" {
		wantURI = iss + "errors/" + mp
	}
	if a.URI != wantURI {
		t.Errorf("error_uri = %q, want %q", a.URI, wantURI)
	}
	if !strings.HasPrefix(a.Description, stem) {
		t.Errorf("error_description = %q, want it to start with %q", a.Description, stem)
	}
	if !traceSuffix.MatchString(a.Description) {
		t.Errorf("error_description = %q, want it to end with (trace_id: <32 hex>)", a.Description)
	}
	if a.AccessToken != "" {
		t.Errorf("error answer carries an access token")
	}
}

// grantFixture is a simulator seeded with the clients, certificates and
// system users the grant tests need.
type grantFixture struct {
	*testEnv
	keyClient   string // key 0, kid key-0; on system sysID
	otherClient string // key 1, kid key-1; on no system
	certClient  string // no keys: authenticates with x5c
	sysID       string
	suID        string            // system user of customerA (externalRef default)
	goodLeaf    *x509.Certificate // key 2, org = vendor, trusted CA
	otherLeaf   *x509.Certificate // key 3, org = customerA, trusted CA
	strayLeaf   *x509.Certificate // key 2, vendor, untrusted CA
}

func newGrantFixture(t *testing.T, cfg Config) *grantFixture {
	e := newEnv(t, cfg)
	f := &grantFixture{testEnv: e}
	f.keyClient = e.addClient([]string{scopeVAT, scopeIDporten, scopeNoAccess, "altinn:instances.read"}, 0)
	f.otherClient = e.addClient([]string{scopeVAT}, 1)
	f.certClient = e.addClient([]string{scopeVAT}, -1)

	ca := newTestCA(t, "Test Buypass Class 3 CA")
	e.control("POST", "/trust", map[string]string{"pem": ca.pem()}, http.StatusCreated, nil)
	f.goodLeaf = ca.leaf(t, 2, DemoVendorOrgNo)
	f.otherLeaf = ca.leaf(t, 3, customerA)
	f.strayLeaf = newTestCA(t, "Untrusted CA").leaf(t, 2, DemoVendorOrgNo)

	f.sysID = DemoVendorOrgNo + "_regnskap"
	e.control("POST", "/systems", map[string]any{"id": f.sysID, "vendor_org_no": DemoVendorOrgNo,
		"client_ids": []string{f.keyClient}}, http.StatusCreated, nil)
	var su struct{ ID string }
	e.control("POST", "/systemusers", map[string]any{"system_id": f.sysID, "party_org_no": customerA},
		http.StatusCreated, &su)
	f.suID = su.ID
	return f
}

func rar(orgNo string, extra map[string]any) []any {
	item := map[string]any{"type": rarSystemUser,
		"systemuser_org": map[string]any{"authority": iso6523Authority, "ID": "0192:" + orgNo}}
	for k, v := range extra {
		item[k] = v
	}
	return []any{item}
}

// rarParty is a system-user element whose systemuser_org has the given
// authority and ID.
func rarParty(authority, id string) []any {
	return []any{map[string]any{"type": rarSystemUser,
		"systemuser_org": map[string]any{"authority": authority, "ID": id}}}
}

func TestTokenRejections(t *testing.T) {
	f := newGrantFixture(t, Config{})
	iss := f.inst.URLs.Issuer
	now := f.clock.Now()
	kid0 := map[string]any{"kid": "key-0"}
	tests := []struct {
		name      string
		assertion string         // sent as is when set
		client    string         // default keyClient
		key       int            // signing key
		header    map[string]any // default kid0
		claims    func(c map[string]any)
		replay    bool // send once successfully first
		status    int
		err       string
		mp        string
		stem      string
	}{
		{name: "malformed assertion", assertion: "not-a-jwt", status: 400, err: "invalid_request", mp: "MP-011", stem: msgMalformed},
		{name: "stray newline", assertion: "\n", status: 400, err: "invalid_request", mp: "MP-011", stem: msgMalformed},
		{name: "HMAC instead of RSA", assertion: signHS256(t, f.grantClaims(f.keyClient, scopeVAT)),
			status: 400, err: "invalid_grant", stem: msgClientAuth + " Invalid JWT header alg"},
		{name: "neither kid nor x5c", header: map[string]any{},
			status: 400, err: "invalid_grant", stem: msgClientAuth + " Invalid JWT. The header has neither"},
		{name: "unknown client", claims: func(c map[string]any) { c["iss"] = "7d0c5c04-4a4b-4c7a-9d5e-000000000000" },
			status: 400, err: "invalid_grant", mp: "MP-100", stem: msgClientAuth},
		{name: "aud of another environment", claims: func(c map[string]any) { c["aud"] = "https://test.maskinporten.no/" },
			status: 400, err: "invalid_grant", mp: "MP-110", stem: msgAud},
		{name: "aud without trailing slash", claims: func(c map[string]any) { c["aud"] = strings.TrimSuffix(iss, "/") },
			status: 400, err: "invalid_grant", mp: "MP-110", stem: msgAud},
		{name: "aud is the token endpoint", claims: func(c map[string]any) { c["aud"] = iss + "token" },
			status: 400, err: "invalid_grant", mp: "MP-110", stem: msgAud},
		{name: "aud as array", claims: func(c map[string]any) { c["aud"] = []string{iss} },
			status: 400, err: "invalid_grant", mp: "MP-110", stem: msgAud},
		{name: "unknown kid", header: map[string]any{"kid": "no-such-key"},
			status: 400, err: "invalid_grant", stem: msgUnknownKid},
		{name: "signed by another key", key: 1,
			status: 400, err: "invalid_grant", mp: "MP-124", stem: msgSignature},
		{name: "expired grant", claims: func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(-200*time.Second).Unix(), now.Add(-80*time.Second).Unix()
		}, status: 400, err: "invalid_grant", mp: "MP-130", stem: msgExpired},
		{name: "iat in the future", claims: func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(60*time.Second).Unix(), now.Add(120*time.Second).Unix()
		}, status: 400, err: "invalid_grant", stem: msgFuture},
		{name: "grant lives too long", claims: func(c map[string]any) {
			c["exp"] = now.Add(121 * time.Second).Unix()
		}, status: 400, err: "invalid_grant", stem: msgTooLong},
		{name: "reused jti", replay: true, status: 400, err: "invalid_grant", mp: "MP-012", stem: msgReplay},
		{name: "unknown claim", claims: func(c map[string]any) { c["client_id"] = "x" },
			status: 400, err: "invalid_request", stem: "Invalid assertion"},
		{name: "scope not on client", claims: func(c map[string]any) { c["scope"] = scopeVAT + " " + scopeVATSend },
			status: 400, err: "invalid_scope", mp: "MP-200", stem: msgInvalidScopes + scopeVATSend},
		{name: "scope not for maskinporten", claims: func(c map[string]any) { c["scope"] = scopeIDporten },
			status: 400, err: "invalid_scope", mp: "MP-201", stem: "Token request contains scopes not allowed for maskinporten"},
		{name: "org lacks access to scope", claims: func(c map[string]any) { c["scope"] = scopeNoAccess },
			status: 403, err: "forbidden", mp: "MP-250", stem: "Consumer has not been granted access to the scope " + scopeNoAccess},
		{name: "consumer_org without delegation", claims: func(c map[string]any) { c["consumer_org"] = customerA },
			status: 403, err: "forbidden", mp: "MP-251", stem: "Consumer " + customerA + " has not delegated access"},
		{name: "x5c not an array", header: map[string]any{"x5c": x5cOf(f.goodLeaf)[0]},
			status: 400, err: "invalid_grant", mp: "MP-123", stem: msgX5C},
		{name: "x5c not base64 DER", header: map[string]any{"x5c": []string{"bm90IGEgY2VydA=="}},
			status: 400, err: "invalid_grant", mp: "MP-123", stem: msgX5C},
		{name: "x5c for a client with keys", header: map[string]any{"x5c": x5cOf(f.goodLeaf)}, key: 2,
			status: 400, err: "invalid_grant", stem: msgNeedsKid},
		{name: "x5c from untrusted CA", client: f.certClient, header: map[string]any{"x5c": x5cOf(f.strayLeaf)}, key: 2,
			status: 400, err: "invalid_grant", mp: "MP-120", stem: msgBadCert},
		{name: "x5c of another org", client: f.certClient, header: map[string]any{"x5c": x5cOf(f.otherLeaf)}, key: 3,
			status: 400, err: "invalid_grant", mp: "MP-122", stem: msgCertOrg},
		{name: "x5c signed by another key", client: f.certClient, header: map[string]any{"x5c": x5cOf(f.goodLeaf)}, key: 0,
			status: 400, err: "invalid_grant", mp: "MP-124", stem: msgSignature},
		{name: "unknown RAR type", claims: func(c map[string]any) {
			c["authorization_details"] = []any{map[string]any{"type": "urn:altinn:something"}}
		}, status: 400, err: errInvalidRAR, mp: "MP-301", stem: msgRARType},
		{name: "extra RAR field", claims: func(c map[string]any) {
			c["authorization_details"] = rar(customerA, map[string]any{"reportee": customerA})
		}, status: 400, err: errInvalidRAR, mp: "MP-302", stem: msgRARFields},
		{name: "lower-case id in systemuser_org", claims: func(c map[string]any) {
			c["authorization_details"] = []any{map[string]any{"type": rarSystemUser,
				"systemuser_org": map[string]any{"authority": iso6523Authority, "id": "0192:" + customerA}}}
		}, status: 400, err: errInvalidRAR, mp: "MP-302", stem: msgRARFields},
		{name: "RAR for an org without system user", claims: func(c map[string]any) {
			c["authorization_details"] = rar(customerB, nil)
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303",
			stem: msgRARValues + " Organisation " + customerB + " has no system user"},
		{name: "RAR with the wrong externalRef", claims: func(c map[string]any) {
			c["authorization_details"] = rar(customerA, map[string]any{"externalRef": "crm-42"})
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303",
			stem: msgRARValues + " Organisation " + customerA + " has a system user for system"},
		{name: "RAR from a client on no system", client: f.otherClient, key: 1, header: map[string]any{"kid": "key-1"},
			claims: func(c map[string]any) { c["authorization_details"] = rar(customerA, nil) },
			status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303",
			stem: msgRARValues + " Client " + f.otherClient + " is not in the clientId list"},
		// customerA has a system user, so only the party's form is wrong.
		{name: "RAR with another authority", claims: func(c map[string]any) {
			c["authorization_details"] = rarParty(iso6523Authority+"-x", "0192:"+customerA)
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303", stem: msgRARValues + " systemuser_org.authority"},
		{name: "RAR without authority", claims: func(c map[string]any) {
			c["authorization_details"] = []any{map[string]any{"type": rarSystemUser, "systemuser_org": map[string]any{"ID": "0192:" + customerA}}}
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303", stem: msgRARValues + " systemuser_org.authority"},
		{name: "RAR with a bare org number", claims: func(c map[string]any) {
			c["authorization_details"] = rarParty(iso6523Authority, customerA)
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303", stem: msgRARValues + " systemuser_org.ID"},
		{name: "RAR with another ICD", claims: func(c map[string]any) {
			c["authorization_details"] = rarParty(iso6523Authority, "9908:"+customerA)
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303", stem: msgRARValues + " systemuser_org.ID"},
		{name: "RAR with invalid org number", claims: func(c map[string]any) {
			c["authorization_details"] = rar("310000001", nil)
		}, status: 400, err: "invalid_altinn_customer_configuration", mp: "MP-303", stem: msgRARValues + " systemuser_org.ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertion := tt.assertion
			if assertion == "" {
				client := cmpOr(tt.client, f.keyClient)
				claims := f.grantClaims(client, scopeVAT)
				if tt.claims != nil {
					tt.claims(claims)
				}
				header := tt.header
				if header == nil {
					header = kid0
				}
				assertion = sign(t, tt.key, header, claims)
			}
			if tt.replay {
				if a := f.token(assertion); a.status != http.StatusOK {
					t.Fatalf("first use: %d %s", a.status, a.Description)
				}
			}
			checkError(t, iss, f.token(assertion), tt.status, tt.err, tt.mp, tt.stem)
		})
	}
}

// signHS256 signs claims with a shared secret, which Maskinporten refuses.
func signHS256(t *testing.T, claims any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: make([]byte, 32)},
		(&jose.SignerOptions{}).WithHeader("kid", "key-0"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestTokenRequestForm(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name        string
		contentType string
		form        url.Values
		err         string
	}{
		{"JSON body", "application/json", url.Values{"grant_type": {grantTypeJWTBearer}, "assertion": {"x"}}, "invalid_request"},
		{"no grant_type", "application/x-www-form-urlencoded", url.Values{"assertion": {"x"}}, "invalid_request"},
		{"client credentials", "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}}, "unsupported_grant_type"},
		{"no assertion", "application/x-www-form-urlencoded", url.Values{"grant_type": {grantTypeJWTBearer}}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.http.Post(e.inst.URLs.Maskinporten+"/token", tt.contentType, strings.NewReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body mpErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest || body.Error != tt.err {
				t.Errorf("got %d %q, want 400 %q", resp.StatusCode, body.Error, tt.err)
			}
		})
	}
}

// checkTokenClaims asserts an access token's claims: the fixed ones equal
// want, exp = iat + 120, iat = now, jti 43 base64url chars, nothing else.
func checkTokenClaims(t *testing.T, got map[string]any, want map[string]any, now time.Time) {
	t.Helper()
	iat, _ := got["iat"].(float64)
	exp, _ := got["exp"].(float64)
	if int64(iat) != now.Unix() || exp-iat != 120 {
		t.Errorf("iat, exp = %v, %v; want %d, iat+120", iat, exp, now.Unix())
	}
	if jti, _ := got["jti"].(string); !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(jti) {
		t.Errorf("jti = %q, want 43 base64url characters", jti)
	}
	rest := map[string]any{}
	for k, v := range got {
		if k != "iat" && k != "exp" && k != "jti" {
			rest[k] = v
		}
	}
	if !reflect.DeepEqual(rest, want) {
		g, _ := json.MarshalIndent(rest, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("claims:\n%s\nwant:\n%s", g, w)
	}
}

func TestPlainToken(t *testing.T) {
	f := newGrantFixture(t, Config{})
	a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, f.grantClaims(f.keyClient, scopeVAT+" altinn:instances.read")))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s %s", a.status, a.Error, a.Description)
	}
	if a.TokenType != "Bearer" || a.ExpiresIn != 119 || a.Scope != scopeVAT+" altinn:instances.read" {
		t.Errorf("answer = %q %d %q, want Bearer 119 and the requested scopes", a.TokenType, a.ExpiresIn, a.Scope)
	}
	claims := f.verifyMPToken(a.AccessToken)
	checkTokenClaims(t, claims, map[string]any{
		"scope":      scopeVAT + " altinn:instances.read",
		"iss":        f.inst.URLs.Issuer,
		"client_amr": "private_key_jwt",
		"token_type": "Bearer",
		"client_id":  f.keyClient,
		"consumer":   map[string]any{"authority": iso6523Authority, "ID": "0192:" + DemoVendorOrgNo},
	}, f.clock.Now())

	// Header: kid is the RFC 7638 thumbprint of the published key, no typ.
	header := decodeHeader(t, a.AccessToken)
	var set jose.JSONWebKeySet
	f.do("GET", f.inst.URLs.Maskinporten+"/jwk", nil, &set)
	tp, err := set.Keys[0].Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"kid": base64.RawURLEncoding.EncodeToString(tp), "alg": "RS256"}
	if !reflect.DeepEqual(header, want) {
		t.Errorf("header = %v, want %v", header, want)
	}
}

func decodeHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCertificateToken(t *testing.T) {
	f := newGrantFixture(t, Config{})
	// Leaf only, as peers send it; a full chain works too.
	for _, chain := range [][]string{x5cOf(f.goodLeaf), append(x5cOf(f.goodLeaf), x5cOf(f.strayLeaf)...)} {
		a := f.token(sign(t, 2, map[string]any{"x5c": chain}, f.grantClaims(f.certClient, scopeVAT)))
		if a.status != http.StatusOK {
			t.Fatalf("token: %d %s %s", a.status, a.Error, a.Description)
		}
		if amr := f.verifyMPToken(a.AccessToken)["client_amr"]; amr != "virksomhetssertifikat" {
			t.Errorf("client_amr = %v, want virksomhetssertifikat", amr)
		}
	}
}

func TestCertOrgNo(t *testing.T) {
	seid2 := &x509.Certificate{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: oidOrganizationIdentifier, Value: "NTRNO-" + DemoVendorOrgNo}}}}
	seid2.Subject.Names = seid2.Subject.ExtraNames // as the parser fills it
	buypass := &x509.Certificate{Subject: pkix.Name{SerialNumber: customerA}}
	if got := certOrgNo(seid2); got != DemoVendorOrgNo {
		t.Errorf("SEID 2.0: %q", got)
	}
	if got := certOrgNo(buypass); got != customerA {
		t.Errorf("serialNumber: %q", got)
	}
}

func TestSystemUserToken(t *testing.T) {
	f := newGrantFixture(t, Config{})
	var su struct{ ID string }
	f.control("POST", "/systemusers", map[string]any{"system_id": f.sysID, "party_org_no": customerB,
		"external_ref": "crm-7", "type": "agent"}, http.StatusCreated, &su)
	tests := []struct {
		name  string
		org   string
		extra map[string]any
		suID  string
	}{
		{"externalRef defaults to the org", customerA, nil, f.suID},
		{"explicit default externalRef", customerA, map[string]any{"externalRef": customerA}, f.suID},
		{"own externalRef", customerB, map[string]any{"externalRef": "crm-7"}, su.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := f.grantClaims(f.keyClient, scopeVAT)
			claims["authorization_details"] = rar(tt.org, tt.extra)
			a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims))
			if a.status != http.StatusOK {
				t.Fatalf("token: %d %s %s", a.status, a.Error, a.Description)
			}
			checkTokenClaims(t, f.verifyMPToken(a.AccessToken), map[string]any{
				"authorization_details": []any{map[string]any{
					"type":           rarSystemUser,
					"systemuser_org": map[string]any{"authority": iso6523Authority, "ID": "0192:" + tt.org},
					"systemuser_id":  []any{tt.suID},
					"system_id":      f.sysID,
				}},
				"scope":      scopeVAT,
				"iss":        f.inst.URLs.Issuer,
				"client_amr": "private_key_jwt",
				"token_type": "Bearer",
				"client_id":  f.keyClient,
				"consumer":   map[string]any{"authority": iso6523Authority, "ID": "0192:" + DemoVendorOrgNo},
			}, f.clock.Now())
		})
	}
}

func TestResourceBecomesAudience(t *testing.T) {
	f := newGrantFixture(t, Config{})
	for _, resource := range []any{"https://api.example.no/vat", []any{"https://api.example.no/vat"}} {
		claims := f.grantClaims(f.keyClient, scopeVAT)
		claims["resource"] = resource
		a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims))
		if a.status != http.StatusOK {
			t.Fatalf("token: %d %s %s", a.status, a.Error, a.Description)
		}
		if aud := f.verifyMPToken(a.AccessToken)["aud"]; !reflect.DeepEqual(aud, resource) {
			t.Errorf("aud = %#v, want %#v", aud, resource)
		}
	}
	// Without resource there is no aud at all.
	a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, f.grantClaims(f.keyClient, scopeVAT)))
	if _, ok := f.verifyMPToken(a.AccessToken)["aud"]; ok {
		t.Error("token without resource has aud")
	}
}

// The knobs for behaviour Digdir has not confirmed.
func TestKnobs(t *testing.T) {
	f := newGrantFixture(t, Config{AcceptAudWithoutSlash: true, MaxGrantLifetime: 180 * time.Second})
	claims := f.grantClaims(f.keyClient, scopeVAT)
	claims["aud"] = strings.TrimSuffix(f.inst.URLs.Issuer, "/")
	claims["exp"] = f.clock.Now().Add(180 * time.Second).Unix()
	if a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims)); a.status != http.StatusOK {
		t.Fatalf("token: %d %s %s", a.status, a.Error, a.Description)
	}
	claims["jti"] = newTestJTI()
	claims["exp"] = f.clock.Now().Add(181 * time.Second).Unix()
	checkError(t, f.inst.URLs.Issuer, f.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims)),
		400, "invalid_grant", "", msgTooLong)
}

// Keys expire a year after upload (MP-121), however the clock moves.
func TestExpiredKey(t *testing.T) {
	e := newEnv(t, Config{})
	client := e.addClient([]string{scopeVAT}, 0)
	e.clock.Advance(364 * 24 * time.Hour)
	if a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT))); a.status != http.StatusOK {
		t.Fatalf("key 364 days old: %d %s", a.status, a.Description)
	}
	e.clock.Advance(2 * 24 * time.Hour)
	checkError(t, e.inst.URLs.Issuer, e.token(sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT))),
		400, "invalid_grant", "MP-121", msgExpiredKey)
}

// A grant may be up to 10 s late or early: Maskinporten's clock skew.
func TestClockSkew(t *testing.T) {
	e := newEnv(t, Config{})
	client := e.addClient([]string{scopeVAT}, 0)
	now := e.clock.Now()
	for _, shift := range []time.Duration{-130 * time.Second, 10 * time.Second} {
		claims := e.grantClaims(client, scopeVAT)
		claims["iat"], claims["exp"] = now.Add(shift).Unix(), now.Add(shift+120*time.Second).Unix()
		if a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims)); a.status != http.StatusOK {
			t.Errorf("grant shifted %v: %d %s", shift, a.status, a.Description)
		}
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t, Config{})
	var got map[string]any
	e.do("GET", e.inst.URLs.Maskinporten+"/.well-known/oauth-authorization-server", nil, &got)
	mp := e.inst.URLs.Maskinporten
	want := map[string]any{
		"issuer":                                e.inst.URLs.Issuer,
		"token_endpoint":                        mp + "/token",
		"jwks_uri":                              mp + "/jwk",
		"grant_types_supported":                 []any{grantTypeJWTBearer},
		"token_endpoint_auth_methods_supported": []any{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []any{"RS256", "RS384", "RS512"},
		"authorization_details_types_supported":            []any{"urn:altinn:systemuser", "urn:altinn:consent"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metadata = %v\nwant %v", got, want)
	}
	if e.inst.URLs.Issuer != mp+"/" {
		t.Errorf("default issuer = %q, want %q", e.inst.URLs.Issuer, mp+"/")
	}

	resp, err := e.http.Get(mp + "/jwk")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("jwk Cache-Control = %q, want a max-age", cc)
	}
	var set struct{ Keys []map[string]any }
	json.NewDecoder(resp.Body).Decode(&set)
	if len(set.Keys) != 1 {
		t.Fatalf("jwk: %d keys", len(set.Keys))
	}
	var names []string
	for k := range set.Keys[0] {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"alg", "e", "kid", "kty", "n", "use"}; !slices.Equal(names, want) {
		t.Errorf("jwk members = %v, want %v", names, want)
	}
}

func TestConfiguredIssuer(t *testing.T) {
	const issuer = "https://sandbox.maskinporten.localhost/"
	e := newEnv(t, Config{Issuer: issuer})
	client := e.addClient([]string{scopeVAT}, 0)
	claims := e.grantClaims(client, scopeVAT)
	a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	if got := e.verifyMPToken(a.AccessToken)["iss"]; got != issuer {
		t.Errorf("iss = %v, want %s", got, issuer)
	}
	if _, err := New(Config{Issuer: "https://sandbox.maskinporten.localhost"}); err == nil {
		t.Error("issuer without trailing slash accepted")
	}
}
