package maskinporten_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/api/altinn"
	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/sim"
)

// These tests talk real HTTP over TLS to the simulator, which checks grants
// with its own, independent code.

const (
	vendorOrg   = "310000000"
	customerOrg = "310007919"
	otherOrg    = "310055433"
	vendorScope = "altinn:authentication/systemregister.write"
)

type simEnv struct {
	t    *testing.T
	inst *sim.Instance
	urls sim.URLs
	hc   *http.Client
}

func startSim(t *testing.T) *simEnv {
	t.Helper()
	inst := simtest.Start(t, sim.Config{})
	return &simEnv{t: t, inst: inst, urls: inst.URLs, hc: inst.Client()}
}

// control POSTs to the simulator's control API and decodes the answer.
func (e *simEnv) control(path string, body any, wantStatus int) map[string]any {
	e.t.Helper()
	var m map[string]any
	simtest.Control(e.t, e.inst, http.MethodPost, path, body, wantStatus, &m)
	return m
}

func (e *simEnv) clearFaults() {
	simtest.Control(e.t, e.inst, http.MethodDelete, "/faults", nil, 0, nil)
}

// newClient registers a Maskinporten client owned by the vendor with the
// public half of key (when key is non-nil) and returns its client id.
func (e *simEnv) newClient(key *rsa.PrivateKey, kid string, scopes ...string) string {
	e.t.Helper()
	keys := []jose.JSONWebKey{}
	if key != nil {
		keys = append(keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
	}
	c := e.control("/clients", map[string]any{
		"org_no": vendorOrg, "client_name": "systembruker test", "scopes": scopes,
		"keys": jose.JSONWebKeySet{Keys: keys},
	}, http.StatusCreated)
	id, _ := c["client_id"].(string)
	if id == "" {
		e.t.Fatalf("client without client_id: %v", c)
	}
	return id
}

func (e *simEnv) tokenClient() *maskinporten.Client {
	return &maskinporten.Client{HTTP: e.hc, BaseURL: e.urls.Maskinporten}
}

var (
	keyOnce sync.Once
	keys    [2]*rsa.PrivateKey
)

func key(i int) *rsa.PrivateKey {
	keyOnce.Do(func() {
		for j := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[j] = k
		}
	})
	return keys[i]
}

// verifiedClaims checks an access token against the simulator's JWKS, as an
// API owner would, and returns its typed claims.
func (e *simEnv) verifiedClaims(tok string) *maskinporten.Claims {
	e.t.Helper()
	v := &maskinporten.Verifier{HTTP: e.hc, JWKSURL: maskinporten.JWKSURL(e.urls.Maskinporten), Issuer: e.urls.Issuer}
	got, err := v.Verify(context.Background(), tok)
	if err != nil {
		e.t.Fatalf("verify access token: %v", err)
	}
	if got.Expired {
		e.t.Error("fresh token reported expired")
	}
	c, err := got.TypedClaims()
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestSimPlainToken(t *testing.T) {
	env := startSim(t)
	cid := env.newClient(key(0), "kid-plain", vendorScope)
	g := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}}
	for _, alg := range []string{"", "RS512"} {
		tok, err := env.tokenClient().Token(context.Background(), g, maskinporten.Signer{Key: key(0), KID: "kid-plain", Alg: alg})
		if err != nil {
			t.Fatalf("alg %q: %v", alg, err)
		}
		if tok.TokenType != "Bearer" || tok.Scope != vendorScope || tok.ExpiresIn <= 0 {
			t.Errorf("token = %v (expires_in %d)", tok, tok.ExpiresIn)
		}
		c := env.verifiedClaims(tok.AccessToken)
		if c.ClientID != cid || c.Scope != vendorScope || c.Consumer == nil || c.Consumer.ID != "0192:"+vendorOrg || c.SystemUser() != nil {
			t.Errorf("claims = %+v", c)
		}
	}
}

func TestSimSystemUserToken(t *testing.T) {
	env := startSim(t)
	cid := env.newClient(key(0), "kid-su", vendorScope)
	systemID := vendorOrg + "_systembruker_test"
	env.control("/systems", map[string]any{"id": systemID, "vendor_org_no": vendorOrg, "client_ids": []string{cid}}, http.StatusCreated)
	env.control("/systemusers", map[string]any{"system_id": systemID, "party_org_no": customerOrg, "external_ref": "kunde-1"}, http.StatusCreated)
	signer := maskinporten.Signer{Key: key(0), KID: "kid-su"}
	g := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}, SystemUserOrg: customerOrg, ExternalRef: "kunde-1"}

	tok, err := env.tokenClient().Token(context.Background(), g, signer)
	if err != nil {
		t.Fatal(err)
	}
	c := env.verifiedClaims(tok.AccessToken)
	su := c.SystemUser()
	if su == nil || su.SystemUserOrg == nil || su.SystemUserOrg.OrgNo() != customerOrg || su.SystemID != systemID || len(su.SystemUserID) != 1 {
		t.Fatalf("system user claims = %+v", su)
	}
	if c.Consumer == nil || c.Consumer.OrgNo() != vendorOrg {
		t.Errorf("consumer = %+v, want the vendor", c.Consumer)
	}

	// The wrong externalRef, and a customer without a system user, both
	// come back as "no system user".
	for _, tc := range []struct{ org, ref string }{{customerOrg, "kunde-2"}, {customerOrg, ""}, {otherOrg, ""}} {
		g := g
		g.SystemUserOrg, g.ExternalRef = tc.org, tc.ref
		_, err := env.tokenClient().Token(context.Background(), g, signer)
		var e *maskinporten.Error
		if !errors.As(err, &e) || !e.NoSystemUser() || e.MPCode != "MP-303" {
			t.Fatalf("org %s ref %q: error = %v, want MP-303", tc.org, tc.ref, err)
		}
		if !strings.Contains(e.Error(), "no system user for 0192:"+tc.org) || !strings.Contains(e.Hint(), "approve a system-user request") {
			t.Errorf("org %s: Error() = %q, Hint() = %q", tc.org, e.Error(), e.Hint())
		}
	}
}

func TestSimVirksomhetssertifikat(t *testing.T) {
	env := startSim(t)
	caKey, leafKey := key(1), key(0)
	leaf, ca := certChain(t, caKey, leafKey, vendorOrg)
	cid := env.newClient(nil, "", vendorScope)
	g := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}}
	signer := maskinporten.Signer{Key: leafKey, Chain: []*x509.Certificate{leaf, ca}}

	// Before the CA is trusted the certificate is refused…
	_, err := env.tokenClient().Token(context.Background(), g, signer)
	var e *maskinporten.Error
	if !errors.As(err, &e) || e.MPCode != "MP-120" {
		t.Fatalf("untrusted CA: error = %v, want MP-120", err)
	}
	// …and accepted after.
	env.control("/trust", map[string]any{"pem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))}, http.StatusCreated)
	tok, err := env.tokenClient().Token(context.Background(), g, signer)
	if err != nil {
		t.Fatal(err)
	}
	if c := env.verifiedClaims(tok.AccessToken); c.ClientAMR != "virksomhetssertifikat" || c.Consumer.OrgNo() != vendorOrg {
		t.Errorf("claims = %+v", c)
	}

	// The leaf alone also works (peers send only the leaf).
	signer.Chain = signer.Chain[:1]
	if _, err := env.tokenClient().Token(context.Background(), g, signer); err != nil {
		t.Errorf("leaf only: %v", err)
	}
}

func certChain(t *testing.T, caKey, leafKey *rsa.PrivateKey, orgNo string) (leaf, ca *x509.Certificate) {
	t.Helper()
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "systembruker test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "DEMO REGNSKAP AS", SerialNumber: orgNo},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if der, err = x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey); err != nil {
		t.Fatal(err)
	}
	if leaf, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	return leaf, ca
}

func TestSimAltinnExchange(t *testing.T) {
	env := startSim(t)
	cid := env.newClient(key(0), "kid-x", vendorScope)
	g := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}}
	tok, err := env.tokenClient().Token(context.Background(), g, maskinporten.Signer{Key: key(0), KID: "kid-x"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	altinnTok, err := altinn.Exchange(ctx, env.hc, env.urls.Altinn, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}

	// Verify the Altinn token through Altinn's published metadata.
	meta, err := maskinporten.FetchMetadata(ctx, env.hc, env.urls.Altinn+"/authentication/api/v1/openid/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	v := &maskinporten.Verifier{HTTP: env.hc, JWKSURL: meta.JWKSURI, Issuer: meta.Issuer}
	got, err := v.Verify(ctx, altinnTok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := got.TypedClaims()
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID != cid || c.Scope != vendorScope || c.AltinnOrgNumber != vendorOrg || c.AltinnAuthenticateMethod != "maskinporten" {
		t.Errorf("Altinn claims = %+v", c)
	}

	// A token Altinn cannot validate is refused with a plain explanation.
	_, err = altinn.Exchange(ctx, env.hc, env.urls.Altinn, altinnTok)
	var xe *altinn.ExchangeError
	if !errors.As(err, &xe) || xe.Status != http.StatusUnauthorized || !strings.Contains(xe.Error(), "Altinn refused the Maskinporten token") {
		t.Errorf("exchange of a non-Maskinporten token: %v", err)
	}
}

func TestSimErrors(t *testing.T) {
	env := startSim(t)
	const (
		notGranted = "altinn:serviceowner/instances.read" // owned by Digdir, not granted to the vendor
		endUser    = "altinn:portal/enduser"              // ID-porten only
	)
	// The control API registers scopes the vendor may not use, as if access
	// had been withdrawn after registration.
	cid := env.newClient(key(0), "kid-e", vendorScope, notGranted, endUser)
	good := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}}
	signer := maskinporten.Signer{Key: key(0), KID: "kid-e"}
	tests := []struct {
		name       string
		edit       func(*maskinporten.Grant, *maskinporten.Signer)
		wantStatus int
		wantMP     string
		wantErr    string
		wantHint   string
	}{
		{"scope not on client", func(g *maskinporten.Grant, _ *maskinporten.Signer) {
			g.Scopes = []string{"krr:global/kontaktinformasjon.read"}
		},
			400, "MP-200", "scope krr:global/kontaktinformasjon.read is not registered on client " + cid, "`systembruker client create --scope`"},
		{"unknown kid", func(_ *maskinporten.Grant, s *maskinporten.Signer) { s.KID = "kid-unknown" },
			400, "", "key id kid-unknown is not registered on client " + cid, "unknown kid"},
		{"signed with another key", func(_ *maskinporten.Grant, s *maskinporten.Signer) { s.Key = key(1) },
			400, "MP-124", "signature does not match key kid-e", "`systembruker client keys list`"},
		{"unknown client", func(g *maskinporten.Grant, _ *maskinporten.Signer) {
			g.ClientID = "00000000-0000-4000-8000-000000000000"
		},
			400, "MP-100", "is unknown to this Maskinporten", "`systembruker client list`"},
		{"other environment's audience", func(g *maskinporten.Grant, _ *maskinporten.Signer) { g.Audience = "https://maskinporten.no/" },
			400, "MP-110", "audience is not this Maskinporten's issuer", "trailing slash"},
		{"scope not granted to the organisation", func(g *maskinporten.Grant, _ *maskinporten.Signer) { g.Scopes = []string{notGranted} },
			403, "MP-250", "your organisation has not been granted access to scope " + notGranted, "ask the API owner"},
		{"scope not for Maskinporten", func(g *maskinporten.Grant, _ *maskinporten.Signer) { g.Scopes = []string{endUser} },
			400, "MP-201", "scope " + endUser + " may not be used through Maskinporten", "request a different scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, s := good, signer
			tt.edit(&g, &s)
			_, err := env.tokenClient().Token(context.Background(), g, s)
			var e *maskinporten.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *maskinporten.Error", err)
			}
			if e.MPCode != tt.wantMP || !strings.Contains(e.Error(), tt.wantErr) || !strings.Contains(e.Hint(), tt.wantHint) {
				t.Errorf("MPCode %q, Error() %q, Hint() %q\nwant %q, %q, %q", e.MPCode, e.Error(), e.Hint(), tt.wantMP, tt.wantErr, tt.wantHint)
			}
			if e.NoSystemUser() || e.Status != tt.wantStatus {
				t.Errorf("NoSystemUser %v, status %d", e.NoSystemUser(), e.Status)
			}
		})
	}
}

// jtiRecorder is a real transport that notes the jti of every grant it
// carries, so the test sees what went on the wire.
type jtiRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	jtis []string
}

func (r *jtiRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Method == http.MethodPost {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		if d, err := maskinporten.Decode(form.Get("assertion")); err == nil {
			r.mu.Lock()
			r.jtis = append(r.jtis, d.Claims["jti"].(string))
			r.mu.Unlock()
		}
	}
	return r.base.RoundTrip(req)
}

func TestSimRetries(t *testing.T) {
	env := startSim(t)
	cid := env.newClient(key(0), "kid-r", vendorScope)
	g := maskinporten.Grant{Audience: env.urls.Issuer, ClientID: cid, Scopes: []string{vendorScope}}
	signer := maskinporten.Signer{Key: key(0), KID: "kid-r"}
	mp, err := url.Parse(env.urls.Maskinporten)
	if err != nil {
		t.Fatal(err)
	}
	tokenPath := strings.TrimRight(mp.Path, "/") + "/token"

	tests := []struct {
		name       string
		fault      map[string]any
		wantJTIs   int
		wantWaits  func([]time.Duration) bool
		wantStatus int // 0: success
	}{
		{"503 with Retry-After", map[string]any{"status": 503, "count": 1, "retry_after_seconds": 1}, 2,
			func(d []time.Duration) bool { return slices.Equal(d, []time.Duration{time.Second}) }, 0},
		{"dropped connection", map[string]any{"close_connection": true, "count": 2}, 3,
			func(d []time.Duration) bool { return len(d) == 2 }, 0},
		{"500 until attempts run out", map[string]any{"status": 500, "count": maskinporten.DefaultMaxAttempts}, maskinporten.DefaultMaxAttempts,
			func(d []time.Duration) bool { return len(d) == maskinporten.DefaultMaxAttempts-1 }, 500},
		{"400 is final", map[string]any{"status": 400, "count": 1}, 1,
			func(d []time.Duration) bool { return len(d) == 0 }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fault := map[string]any{"path_prefix": tokenPath}
			maps.Copy(fault, tt.fault)
			env.control("/faults", fault, http.StatusCreated)
			t.Cleanup(env.clearFaults)

			rec := &jtiRecorder{base: env.hc.Transport}
			c := env.tokenClient()
			c.HTTP = &http.Client{Transport: rec}
			var waits []time.Duration
			c.SetSleep(func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return ctx.Err()
			})
			tok, err := c.Token(context.Background(), g, signer)
			if tt.wantStatus == 0 && err != nil {
				t.Fatal(err)
			}
			var e *maskinporten.Error
			if tt.wantStatus != 0 && (!errors.As(err, &e) || e.Status != tt.wantStatus) {
				t.Fatalf("Token = %v, %v; want *Error %d", tok, err, tt.wantStatus)
			}
			if len(rec.jtis) != tt.wantJTIs || len(slices.Compact(slices.Sorted(slices.Values(rec.jtis)))) != len(rec.jtis) {
				t.Errorf("jtis on the wire = %v, want %d different ones", rec.jtis, tt.wantJTIs)
			}
			if !tt.wantWaits(waits) {
				t.Errorf("waits = %v", waits)
			}
		})
	}
}
