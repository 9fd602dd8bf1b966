package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/sim"
)

// Scopes the simulator's seed grants to its demo vendor. The fixture's
// client has the first two; scopeOff is granted but not on the client.
const (
	scopeA   = "altinn:authentication/systemregister.write"
	scopeB   = "skatteetaten:mvameldinginnsending"
	scopeOff = "krr:global/kontaktinformasjon.read"
)

// tokenFixture is a harness with a key "main" registered on a client that
// the default profile uses, with scopeA as the profile's scope.
type tokenFixture struct {
	*harness
	clientID string
	kid      string
}

func newTokenFixture(t *testing.T) *tokenFixture {
	t.Helper()
	keychaintest.Require(t)
	h := newHarness(t)
	info := h.generateKey("main")
	id := h.addClient([]string{scopeA, scopeB}, h.publicJWK("main"))
	h.setProfile(func(p *config.EnvProfile) {
		p.OrgNo, p.ClientID, p.KeyName, p.KID, p.Scopes = sim.DemoVendorOrgNo, id, "main", info.KID, []string{scopeA}
	})
	return &tokenFixture{harness: h, clientID: id, kid: info.KID}
}

// token runs `systembruker token args…` and returns the token it printed.
func (fx *tokenFixture) token(args ...string) string {
	fx.t.Helper()
	out, errOut, code := fx.run(append([]string{"token"}, args...)...)
	if code != 0 {
		fx.t.Fatalf("token %v: exit %d\n%s", args, code, errOut)
	}
	tok, ok := strings.CutSuffix(out, "\n")
	if !ok || strings.ContainsAny(tok, " \n") {
		fx.t.Fatalf("token %v: stdout is not one token and a newline: %q", args, out)
	}
	return tok
}

// verifyAtSim checks a Maskinporten token against the simulator's JWKS.
func (fx *tokenFixture) verifyAtSim(tok string) map[string]any {
	fx.t.Helper()
	u := fx.inst.URLs
	v := &maskinporten.Verifier{HTTP: fx.inst.Client(), JWKSURL: u.Maskinporten + "/jwk", Issuer: u.Issuer, Now: fx.clock}
	got, err := v.Verify(context.Background(), tok)
	if err != nil {
		fx.t.Fatalf("the token does not verify against the simulator's keys: %v", err)
	}
	if got.Expired {
		fx.t.Fatal("the token has expired")
	}
	return got.Claims
}

func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	d, err := maskinporten.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	return d.Claims
}

func headerOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	d, err := maskinporten.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	return d.Header
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// tokenMask hides what changes between runs: ids, keys and the port.
func (fx *tokenFixture) tokenMask(tok string, more ...string) []string {
	pairs := []string{
		fx.clientID, "<client-id>",
		fx.kid, "<key-kid>",
		fx.inst.URLs.Base, "https://<sim>",
	}
	if d, err := maskinporten.Decode(tok); err == nil {
		if kid, _ := d.Header["kid"].(string); kid != "" {
			pairs = append(pairs, kid, "<sim-kid>")
		}
		for _, c := range []string{"jti", "sid"} {
			if v, _ := d.Claims[c].(string); v != "" {
				pairs = append(pairs, v, "<"+c+">")
			}
		}
	}
	return append(pairs, more...)
}

func TestTokenPrintsOnlyTheToken(t *testing.T) {
	fx := newTokenFixture(t)
	out, errOut, code := fx.run("token")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	tok := strings.TrimSuffix(out, "\n")
	if out != tok+"\n" || strings.Count(tok, ".") != 2 {
		t.Fatalf("stdout must be exactly the token and a newline, got %q", out)
	}
	c := fx.verifyAtSim(tok)
	if c["client_id"] != fx.clientID || c["scope"] != scopeA {
		t.Errorf("client_id %v scope %v, want the profile's %s and %s", c["client_id"], c["scope"], fx.clientID, scopeA)
	}

	// --scope replaces the profile's scopes, in the order given.
	c = fx.verifyAtSim(fx.token("--scope", scopeB, "--scope", scopeA))
	if c["scope"] != scopeB+" "+scopeA {
		t.Errorf("scope %v, want %q", c["scope"], scopeB+" "+scopeA)
	}
}

func TestTokenJSON(t *testing.T) {
	fx := newTokenFixture(t)
	out, errOut, code := fx.run("token", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	keys := slices.Sorted(maps.Keys(raw))
	if want := []string{"access_token", "claims", "expires_at", "expires_in", "scope", "token_type"}; !slices.Equal(keys, want) {
		t.Errorf("members %v, want %v", keys, want)
	}
	var got tokenJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	fx.verifyAtSim(got.AccessToken)
	wantExp := harnessStart.Add(119 * time.Second)
	if got.TokenType != "Bearer" || got.ExpiresIn != 119 || !got.ExpiresAt.Equal(wantExp) || got.Scope != scopeA {
		t.Errorf("got %+v, want Bearer, 119 s, expires %v, scope %s", got, wantExp, scopeA)
	}
	if got.Claims["client_id"] != fx.clientID || got.Claims["iss"] != fx.inst.URLs.Issuer {
		t.Errorf("claims %v", got.Claims)
	}
}

func TestTokenDecode(t *testing.T) {
	fx := newTokenFixture(t)
	out, errOut, code := fx.run("token", "--decode")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// --decode shows the token's contents, not the token.
	if strings.Contains(out, "eyJ") {
		t.Errorf("--decode printed a JWT:\n%s", out)
	}
	tok := fx.token() // the same token, from the cache
	golden(t, "token-decode.golden", mask(out, fx.tokenMask(tok)...))
}

func TestTokenSystemUser(t *testing.T) {
	fx := newTokenFixture(t)
	const systemID = sim.DemoVendorOrgNo + "_regnskap"
	fx.control("POST", "/systems", map[string]any{
		"id": systemID, "vendor_org_no": sim.DemoVendorOrgNo, "client_ids": []string{fx.clientID},
	}, nil)
	var plain, withRef struct {
		ID string `json:"id"`
	}
	fx.control("POST", "/systemusers", map[string]any{"system_id": systemID, "party_org_no": "310007919"}, &plain)
	fx.control("POST", "/systemusers", map[string]any{
		"system_id": systemID, "party_org_no": "310055433", "external_ref": "kunde-42",
	}, &withRef)

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		systemID string   // the token's systemuser_id, for code 0
		stderr   []string // for errors
	}{
		{name: "customer", args: []string{"--systemuser-org", "310007919"}, systemID: plain.ID},
		{name: "prefixed org number", args: []string{"--systemuser-org", "0192:310007919"}, systemID: plain.ID},
		{name: "externalRef", args: []string{"--systemuser-org", "310055433", "--external-ref", "kunde-42"}, systemID: withRef.ID},
		{name: "externalRef missing", args: []string{"--systemuser-org", "310055433"}, code: ExitNoSystemUser,
			stderr: []string{"no system user for 0192:310055433 that client " + fx.clientID + " may use (MP-303)", "externalRef matches"}},
		{name: "no system user", args: []string{"--systemuser-org", "310095028"}, code: ExitNoSystemUser,
			stderr: []string{"no system user for 0192:310095028", "approve a system-user request"}},
		{name: "bad check digit", args: []string{"--systemuser-org", "310007918"}, code: ExitUsage,
			stderr: []string{"--systemuser-org: organisation number 310007918 has a wrong check digit"}},
		{name: "externalRef alone", args: []string{"--external-ref", "kunde-42"}, code: ExitUsage,
			stderr: []string{"--external-ref needs --systemuser-org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := fx.run(append([]string{"token", "--no-cache"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut)
			}
			if tc.code != 0 {
				if out != "" {
					t.Errorf("stdout %q on failure", out)
				}
				wantContains(t, "stderr", errOut, tc.stderr...)
				return
			}
			c := fx.verifyAtSim(strings.TrimSpace(out))
			b, _ := json.Marshal(c["authorization_details"])
			wantContains(t, "authorization_details", string(b), `"systemuser_id":["`+tc.systemID+`"]`, `"system_id":"`+systemID+`"`)
		})
	}

	// inspect explains who the token is for.
	tok := fx.token("--systemuser-org", "310007919")
	out, errOut, code := fx.runWith(runOpts{stdin: tok + "\n"}, "token", "inspect", "--verify")
	if code != 0 {
		t.Fatalf("inspect: exit %d\n%s", code, errOut)
	}
	wantContains(t, "inspect", out,
		"System-user token (systembruker): customer 310007919 lets system "+systemID+" act for it, as system user "+plain.ID+".",
		"Vendor (consumer): "+sim.DemoVendorOrgNo+" (this profile's organisation).")
	golden(t, "token-inspect-systemuser.golden", mask(out, fx.tokenMask(tok, plain.ID, "<system-user-id>")...))
}

// testCertKey makes a virksomhetssertifikat-like chain for the demo vendor:
// an ECDSA CA and an RSA leaf with the org number as subject serialNumber.
func testCertKey(t *testing.T, now time.Time) (keyPEM, caPEM []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA for systembruker"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "Demo Regnskap AS", SerialNumber: sim.DemoVendorOrgNo, Organization: []string{"Demo Regnskap AS"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.AddDate(0, 6, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	keyPEM = append(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})...)
	return append(keyPEM, caPEM...), caPEM
}

func TestTokenX5C(t *testing.T) {
	fx := newTokenFixture(t)
	keyPEM, caPEM := testCertKey(t, fx.clock())
	cert := fx.importPEM("cert", keyPEM)
	fx.control("POST", "/trust", map[string]any{"pem": string(caPEM)}, nil)
	keyless := fx.addClient([]string{scopeA}) // a client with no registered keys

	tok, g := fx.recordGrant(0, "--client-id", keyless, "--key", "cert", "--x5c")
	x5c, _ := g.Header["x5c"].([]any)
	if g.Header["kid"] != nil || len(x5c) != 2 {
		t.Errorf("--x5c grant header %v: want the chain (leaf and CA) and no kid", g.Header)
	} else if der, err := base64.StdEncoding.DecodeString(x5c[0].(string)); err != nil {
		t.Errorf("x5c[0] is not standard base64: %v", err)
	} else if leaf, err := x509.ParseCertificate(der); err != nil || leaf.Subject.SerialNumber != sim.DemoVendorOrgNo {
		t.Errorf("x5c[0] is not the leaf: %v", err)
	}
	if c := fx.verifyAtSim(tok); c["client_amr"] != "virksomhetssertifikat" || c["client_id"] != keyless {
		t.Errorf("client_amr %v client_id %v, want virksomhetssertifikat and %s", c["client_amr"], c["client_id"], keyless)
	}

	// Without --x5c the grant names the certificate key's kid, which the
	// client does not have.
	out, errOut, code := fx.run("token", "--client-id", keyless, "--key", "cert")
	if code != ExitError || out != "" {
		t.Fatalf("exit %d stdout %q, want %d and nothing", code, out, ExitError)
	}
	wantContains(t, "stderr", errOut, "key id "+cert.KID+" is not registered on client "+keyless)

	_, errOut, code = fx.run("token", "--key", "main", "--x5c")
	if code != ExitUsage {
		t.Fatalf("--x5c with a plain key: exit %d, want %d", code, ExitUsage)
	}
	wantContains(t, "stderr", errOut, "key main has no certificate", "systembruker keys import")
}

func TestTokenAltinn(t *testing.T) {
	fx := newTokenFixture(t)
	out, errOut, code := fx.run("token", "--altinn", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var got tokenJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	altinnIssuer := fx.inst.URLs.Altinn + "/authentication/api/v1/openid/"
	// The Altinn token's expiry is its own (30 minutes), not Maskinporten's.
	wantExp := harnessStart.Add(30 * time.Minute)
	if got.Claims["iss"] != altinnIssuer || got.ExpiresIn != 1800 || !got.ExpiresAt.Equal(wantExp) {
		t.Errorf("iss %v expires_in %d expires_at %v, want %s, 1800, %v", got.Claims["iss"], got.ExpiresIn, got.ExpiresAt, altinnIssuer, wantExp)
	}
	if got.Claims["client_id"] != fx.clientID || got.Claims["urn:altinn:authenticatemethod"] != "maskinporten" || got.Scope != scopeA {
		t.Errorf("claims %v scope %q", got.Claims, got.Scope)
	}

	// Both tokens are cached: neither service is asked again.
	if again := fx.token("--altinn"); again != got.AccessToken {
		t.Error("a second --altinn did not reuse the cached Altinn token")
	}
	fx.token()
	if n, m := fx.simCount("POST /maskinporten/token "), fx.simCount("GET /altinn/authentication/api/v1/exchange/maskinporten "); n != 1 || m != 1 {
		t.Errorf("%d token requests and %d exchanges, want 1 and 1", n, m)
	}

	out, errOut, code = fx.runWith(runOpts{stdin: got.AccessToken}, "token", "inspect", "--verify")
	if code != 0 {
		t.Fatalf("inspect --verify of the Altinn token: exit %d\n%s", code, errOut)
	}
	wantContains(t, "inspect", out,
		"Altinn token, exchanged from a Maskinporten token for client "+fx.clientID+", authentication level 3.",
		"Signature verified with key ", "/authentication/api/v1/openid/.well-known/openid-configuration/jwks.")

	// A refused exchange says so, and --verbose shows Altinn's answer.
	fx.control("POST", "/faults", map[string]any{"path_prefix": "/altinn/authentication/api/v1/exchange", "status": 401, "count": 1}, nil)
	out, errOut, code = fx.run("token", "--altinn", "--no-cache", "--verbose")
	if code != ExitError || out != "" {
		t.Fatalf("refused exchange: exit %d stdout %q", code, out)
	}
	wantContains(t, "stderr", errOut, "Altinn refused the Maskinporten token", "Altinn answered HTTP 401:", "injected fault")
}

func TestTokenErrors(t *testing.T) {
	fx := newTokenFixture(t)
	other := fx.generateKey("other")
	expiredJWK := fx.publicJWK("main")
	expiredJWK["exp"] = harnessStart.Add(-24 * time.Hour).Unix()
	expiredClient := fx.addClient([]string{scopeA}, expiredJWK)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"scope not on client", []string{"--scope", scopeOff}, ExitError, []string{
			"Maskinporten: scope " + scopeOff + " is not registered on client " + fx.clientID + " (MP-200)",
			"→ add the scope to the client in Digdir's self-service portal"}},
		{"unknown kid", []string{"--key", "other"}, ExitError, []string{
			"key id " + other.KID + " is not registered on client " + fx.clientID}},
		{"expired key", []string{"--client-id", expiredClient}, ExitError, []string{
			"key expired: key " + fx.kid + " on client " + expiredClient + " is past its expiry (MP-121)",
			"→ key expired: run `systembruker keys rotate`"}},
		{"no client id", []string{"--profile", "fresh", "--scope", scopeA}, ExitUsage, []string{
			"no Maskinporten client id: pass --client-id, or create a client with `systembruker --profile fresh client create`"}},
		{"no key", []string{"--profile", "fresh", "--scope", scopeA, "--client-id", fx.clientID}, ExitUsage, []string{
			"no signing key: pass --key NAME, or generate one with `systembruker --profile fresh keys generate`"}},
		{"no scope", []string{"--profile", "fresh"}, ExitUsage, []string{"no scope: pass --scope"}},
		{"unknown key", []string{"--key", "nope"}, ExitUsage, []string{"no key named nope", "systembruker keys list"}},
		{"bad alg", []string{"--alg", "HS256"}, ExitUsage, []string{`--alg "HS256": Maskinporten accepts RS256, RS384 or RS512`}},
		{"json and decode", []string{"--json", "--decode"}, ExitUsage, []string{"--json and --decode cannot be used together"}},
		{"unknown flag", []string{"--scopes", scopeA}, ExitUsage, []string{"unknown flag: --scopes"}},
		{"stray argument", []string{scopeA}, ExitUsage, []string{scopeA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := fx.run(append([]string{"token"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q on failure", out)
			}
			wantContains(t, "stderr", errOut, tc.stderr...)
			if strings.Contains(errOut, "eyJ") {
				t.Errorf("stderr holds a JWT:\n%s", errOut)
			}
		})
	}

	// --verbose adds Maskinporten's raw answer, still without any JWT.
	_, errOut, code := fx.run("token", "--scope", scopeOff, "--verbose")
	if code != ExitError {
		t.Fatalf("exit %d", code)
	}
	wantContains(t, "--verbose stderr", errOut, "Maskinporten answered HTTP 400:", `"error":"invalid_scope"`, "trace_id")
	if strings.Contains(errOut, "eyJ") {
		t.Errorf("--verbose printed a JWT:\n%s", errOut)
	}
}

// grantRecorder is an HTTP transport that keeps the decoded grant of every
// request to a token endpoint, then sends the request on unchanged.
type grantRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	grants []*maskinporten.Decoded
}

func (r *grantRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token") {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		d, err := maskinporten.Decode(form.Get("assertion"))
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.grants = append(r.grants, d)
		r.mu.Unlock()
	}
	return r.base.RoundTrip(req)
}

// recordGrant runs `token args…` through a grantRecorder and returns the
// token and the one grant it sent. wantCode is the expected exit code.
func (fx *tokenFixture) recordGrant(wantCode int, args ...string) (string, *maskinporten.Decoded) {
	fx.t.Helper()
	rec := &grantRecorder{base: fx.inst.Client().Transport}
	out, errOut, code := fx.runWith(runOpts{http: &http.Client{Transport: rec}}, append([]string{"token", "--no-cache"}, args...)...)
	if code != wantCode || len(rec.grants) != 1 {
		fx.t.Fatalf("token %v: exit %d (want %d), %d grants\n%s", args, code, wantCode, len(rec.grants), errOut)
	}
	return strings.TrimSpace(out), rec.grants[0]
}

func TestTokenGrantOptions(t *testing.T) {
	fx := newTokenFixture(t)

	_, g := fx.recordGrant(0)
	if g.Header["alg"] != "RS256" || g.Header["kid"] != fx.kid || g.Header["x5c"] != nil {
		t.Errorf("default grant header %v, want RS256 with kid %s", g.Header, fx.kid)
	}
	if g.Claims["aud"] != fx.inst.URLs.Issuer || g.Claims["iss"] != fx.clientID || g.Claims["scope"] != scopeA {
		t.Errorf("grant claims %v", g.Claims)
	}

	_, g = fx.recordGrant(0, "--alg", "RS512")
	if g.Header["alg"] != "RS512" {
		t.Errorf("--alg RS512 signed with %v", g.Header["alg"])
	}

	const resource = "https://api.example.no/"
	tok, g := fx.recordGrant(0, "--resource", resource)
	if g.Claims["resource"] != resource || fx.verifyAtSim(tok)["aud"] != resource {
		t.Errorf("--resource: grant resource %v, token aud %v", g.Claims["resource"], claimsOf(t, tok)["aud"])
	}

	// (No system user has that externalRef: the grant is what matters here.)
	_, g = fx.recordGrant(ExitNoSystemUser, "--systemuser-org", "310007919", "--external-ref", "r-1", "--scope", scopeB)
	b, _ := json.Marshal(g.Claims["authorization_details"])
	// Keys come out sorted: the claims went through a map.
	want := `[{"externalRef":"r-1","systemuser_org":{"ID":"0192:310007919","authority":"iso6523-actorid-upis"},"type":"urn:altinn:systemuser"}]`
	if string(b) != want {
		t.Errorf("authorization_details %s, want %s", b, want)
	}
}

func TestTokenRetriesWithAFreshGrant(t *testing.T) {
	fx := newTokenFixture(t)
	fault := map[string]any{"path_prefix": "/maskinporten/token", "status": 503, "count": 1}

	fx.control("POST", "/faults", fault, nil)
	rec := &grantRecorder{base: fx.inst.Client().Transport}
	fx.verifyAtSim(func() string {
		out, errOut, code := fx.runWith(runOpts{http: &http.Client{Transport: rec}}, "token")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		return strings.TrimSpace(out)
	}())
	if len(rec.grants) != 2 || rec.grants[0].Claims["jti"] == rec.grants[1].Claims["jti"] {
		t.Errorf("%d grants sent: want two attempts with different jti", len(rec.grants))
	}
	if n := fx.simCount("POST /maskinporten/token 503"); n != 1 {
		t.Errorf("%d requests met the fault, want 1", n)
	}

	// The same through the default HTTP client and SYSTEMBRUKER_CA_FILE.
	fx.control("POST", "/faults", fault, nil)
	fx.verifyAtSim(fx.token("--no-cache"))
	if n := fx.simCount("POST /maskinporten/token 503"); n != 2 {
		t.Errorf("%d requests met a fault, want 2", n)
	}
}

func TestTokenCache(t *testing.T) {
	fx := newTokenFixture(t)
	requests := func() int { return fx.simCount("POST /maskinporten/token ") }
	tokensDir := filepath.Join(fx.dirs.Cache, "tokens")
	entries := func() []string {
		m, _ := filepath.Glob(filepath.Join(tokensDir, "*.json"))
		return m
	}

	first := fx.token()
	if second := fx.token(); second != first || requests() != 1 {
		t.Fatalf("second call: same token %v, %d token requests; want the cached token and 1 request", second == first, requests())
	}
	files := entries()
	if len(files) != 1 {
		t.Fatalf("cache entries %v, want 1", files)
	}
	for path, mode := range map[string]os.FileMode{files[0]: 0o600, tokensDir: 0o700} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, mode)
		}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(first, ".")
	jti, _ := claimsOf(t, first)["jti"].(string)
	for what, secret := range map[string]string{"token": first, "claims": parts[1], "signature": parts[2], "jti": jti} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the cache file holds the %s in the clear", what)
		}
	}
	var entry struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(data, &entry); err != nil || !entry.ExpiresAt.Equal(harnessStart.Add(119*time.Second)) {
		t.Errorf("clear expires_at %v (%v), want %v", entry.ExpiresAt, err, harnessStart.Add(119*time.Second))
	}

	// Still 19 s left: reused, and --json counts down.
	fx.advance(100 * time.Second)
	out, _, _ := fx.run("token", "--json")
	var got tokenJSON
	if json.Unmarshal([]byte(out), &got); got.AccessToken != first || got.ExpiresIn != 19 {
		t.Errorf("after 100 s: same token %v, expires_in %d; want the cached token with 19 s left", got.AccessToken == first, got.ExpiresIn)
	}
	// 9 s left is too little: a new token replaces the entry.
	fx.advance(10 * time.Second)
	fresh := fx.token()
	if fresh == first || requests() != 2 || len(entries()) != 1 {
		t.Fatalf("stale entry: new token %v, %d requests, %d entries; want a new token, 2, 1", fresh != first, requests(), len(entries()))
	}
	// Other scopes are another entry.
	fx.token("--scope", scopeB)
	if requests() != 3 || len(entries()) != 2 {
		t.Errorf("other scope: %d requests, %d entries; want 3 and 2", requests(), len(entries()))
	}

	// A damaged entry is a miss, and is replaced by a good one.
	for _, p := range entries() {
		if err := os.WriteFile(p, []byte(`{"v":1,"expires_at":"2099-01-01T00:00:00Z","nonce":"AAAA","sealed":"AAAA"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	repaired := fx.token()
	if repaired == fresh || requests() != 4 {
		t.Errorf("damaged entry: new token %v, %d requests; want a new token and 4", repaired != fresh, requests())
	}
	if again := fx.token(); again != repaired || requests() != 4 {
		t.Error("the replaced entry was not used")
	}

	// --no-cache fetches every time and writes nothing.
	if err := os.RemoveAll(tokensDir); err != nil {
		t.Fatal(err)
	}
	a, b := fx.token("--no-cache"), fx.token("--no-cache")
	if a == b || requests() != 6 {
		t.Errorf("--no-cache: different tokens %v, %d requests; want true and 6", a != b, requests())
	}
	if _, err := os.Stat(tokensDir); !os.IsNotExist(err) {
		t.Errorf("--no-cache wrote the cache folder (%v)", err)
	}
}

// A cached system-user token is for one customer only: asking for another
// customer fetches that customer's token, and each is reused for its own.
func TestTokenCacheSystemUser(t *testing.T) {
	fx := newTokenFixture(t)
	const systemID = sim.DemoVendorOrgNo + "_regnskap"
	fx.control("POST", "/systems", map[string]any{
		"id": systemID, "vendor_org_no": sim.DemoVendorOrgNo, "client_ids": []string{fx.clientID},
	}, nil)
	customers := []string{"310007919", "310055433"}
	for _, org := range customers {
		fx.control("POST", "/systemusers", map[string]any{"system_id": systemID, "party_org_no": org}, nil)
	}
	requests := func() int { return fx.simCount("POST /maskinporten/token ") }
	customerOf := func(tok string) string {
		b, _ := json.Marshal(fx.verifyAtSim(tok)["authorization_details"])
		var rar []struct {
			Org struct{ ID string } `json:"systemuser_org"`
		}
		json.Unmarshal(b, &rar)
		if len(rar) != 1 {
			t.Fatalf("authorization_details %s: want one element", b)
		}
		return strings.TrimPrefix(rar[0].Org.ID, "0192:")
	}

	tokens := map[string]string{}
	for i, org := range customers {
		tokens[org] = fx.token("--systemuser-org", org)
		if got := customerOf(tokens[org]); got != org || requests() != i+1 {
			t.Fatalf("--systemuser-org %s: token for %s after %d requests; want %s's own, fetched", org, got, requests(), org)
		}
	}
	for _, org := range customers {
		if fx.token("--systemuser-org", org) != tokens[org] {
			t.Errorf("--systemuser-org %s again: not the cached token", org)
		}
	}
	if plain := fx.token(); plain == tokens[customers[0]] || plain == tokens[customers[1]] || requests() != 3 {
		t.Errorf("a plain token after system-user ones: reused one %v, %d requests; want a new one, 3", plain == tokens[customers[0]] || plain == tokens[customers[1]], requests())
	}
}

// fakeJWT builds an unsigned-looking JWT with the given claims: enough to
// decode, never to verify.
func fakeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "RS256", "kid": "some-kid"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
}

func TestTokenInspect(t *testing.T) {
	fx := newTokenFixture(t)
	tok := fx.token()

	// From stdin, without verification.
	out, errOut, code := fx.runWith(runOpts{stdin: tok + "\n"}, "token", "inspect")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	golden(t, "token-inspect.golden", mask(out, fx.tokenMask(tok)...))
	// The argument, and "-", read the same token.
	if byArg, _, _ := fx.run("token", "inspect", tok); byArg != out {
		t.Errorf("inspect JWT differs from inspect < JWT:\n%s", byArg)
	}
	if byDash, _, _ := fx.runWith(runOpts{stdin: tok}, "token", "inspect", "-"); byDash != out {
		t.Errorf("inspect - differs from inspect:\n%s", byDash)
	}

	// --verify fetches the JWKS once and caches it on disk.
	for range 2 {
		out, errOut, code = fx.runWith(runOpts{stdin: tok}, "token", "inspect", "--verify")
		if code != 0 {
			t.Fatalf("--verify: exit %d\n%s", code, errOut)
		}
	}
	wantContains(t, "--verify", out, "Signature verified with key "+headerOf(t, tok)["kid"].(string)+" from "+fx.inst.URLs.Maskinporten+"/jwk.")
	if n := fx.simCount("GET /maskinporten/jwk "); n != 1 {
		t.Errorf("JWKS fetched %d times, want once", n)
	}
	cached, _ := filepath.Glob(filepath.Join(fx.dirs.Cache, "jwks", "*.json"))
	if len(cached) != 1 {
		t.Errorf("JWKS cache files %v, want 1", cached)
	}
	for _, p := range cached {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
		}
	}

	// --json.
	out, _, _ = fx.runWith(runOpts{stdin: tok}, "token", "inspect", "--verify", "--json")
	var in struct {
		Header     map[string]any `json:"header"`
		Claims     map[string]any `json:"claims"`
		IssuerKind string         `json:"issuer_kind"`
		Verified   bool           `json:"verified"`
		ExpiresAt  time.Time      `json:"expires_at"`
		Expiry     string         `json:"expiry"`
		Summary    []string       `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if in.IssuerKind != "maskinporten" || !in.Verified || in.Claims["client_id"] != fx.clientID ||
		!in.ExpiresAt.Equal(harnessStart.Add(120*time.Second)) || in.Expiry != "expires in 2m" || len(in.Summary) == 0 {
		t.Errorf("inspect --json: %+v", in)
	}
	if strings.Contains(out, tok) {
		t.Error("inspect --json echoes the token")
	}

	// A changed token fails verification.
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(fx.clientID), []byte("00000000-0000-4000-8000-000000000000"), 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	out, errOut, code = fx.runWith(runOpts{stdin: tampered}, "token", "inspect", "--verify")
	if code != ExitError || out != "" {
		t.Fatalf("tampered token: exit %d, stdout %q", code, out)
	}
	wantContains(t, "stderr", errOut, "not verified: signature does not verify with key", "the token was changed after it was issued")

	// A token from elsewhere decodes, but is not verified against keys it
	// was never signed with.
	foreign := fakeJWT(map[string]any{"iss": "https://test.maskinporten.no/", "client_id": "abc", "exp": harnessStart.Unix()})
	out, _, code = fx.runWith(runOpts{stdin: foreign}, "token", "inspect")
	if code != 0 {
		t.Fatalf("foreign token: exit %d", code)
	}
	wantContains(t, "inspect", out, "Token from https://test.maskinporten.no/, which is neither this environment's Maskinporten nor its Altinn.", "Expired 0s ago")
	_, errOut, code = fx.runWith(runOpts{stdin: foreign}, "token", "inspect", "--verify")
	if code != ExitError {
		t.Fatalf("foreign token --verify: exit %d", code)
	}
	wantContains(t, "stderr", errOut,
		`the token has issuer "https://test.maskinporten.no/", which sandbox does not trust: it trusts `+
			fx.inst.URLs.Issuer+" (Maskinporten) and "+fx.inst.URLs.Altinn+"/authentication/api/v1/openid/ (Altinn)",
		"--env test")

	// An expired token still inspects, with how long ago.
	fx.advance(5 * time.Minute)
	out, _, _ = fx.runWith(runOpts{stdin: tok}, "token", "inspect", "--verify")
	wantContains(t, "expired inspect", out, "Expired 3m ago (", "exp: ", "expired 3m ago)")

	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"not a JWT", "", []string{"not-a-token"}, ExitError, "not a JWT: expected 3 dot-separated parts, found 1"},
		{"empty stdin", "  \n", nil, ExitUsage, "no token: pipe one in"},
		{"two arguments", "", []string{tok, tok}, ExitUsage, "accepts at most 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := fx.runWith(runOpts{stdin: tc.stdin}, append([]string{"token", "inspect"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.stderr)
			}
			if strings.Contains(errOut, "eyJ") {
				t.Errorf("stderr holds a JWT: %s", errOut)
			}
		})
	}
}
