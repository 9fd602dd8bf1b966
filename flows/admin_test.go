package flows

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/sim"
)

// The embedded sandbox sets up its admin client on first use, once.
func TestSandboxAdminBootstrap(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	var said lines
	if _, err := rt.SelfService(context.Background(), said.add); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said.joined(), "Sandbox: registered admin key default-sandbox-admin") {
		t.Errorf("progress = %q, want the one bootstrap line", said.joined())
	}

	// What the next run sees.
	rt = h.open()
	f := rt.Facts
	if f.AdminClientID == "" || f.AdminKey != "default-sandbox-admin" || f.OrgNo != sim.DemoVendorOrgNo || f.OrgName != "Demo Regnskap AS" {
		t.Fatalf("profile after bootstrap = %+v", f)
	}
	info, err := rt.Keys.Info(f.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	if info.Expires == nil {
		t.Error("the admin key's expiry from the sandbox was not recorded")
	}
	// It works: the admin client lists clients.
	cs, err := rt.ListClients(context.Background(), api(t, rt))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Error("the admin client sees no clients, not even itself")
	}

	// Idempotent: a second bootstrap (after `admin clear`) reuses the key
	// and leaves one copy of it on the admin client.
	if err := rt.ClearAdmin(); err != nil {
		t.Fatal(err)
	}
	said = lines{}
	rt = h.open()
	if _, err := rt.SelfService(context.Background(), said.add); err != nil {
		t.Fatal(err)
	}
	if said.joined() == "" {
		t.Error("the second bootstrap said nothing")
	}
	keys, err := rt.ClientKeys(context.Background(), api(t, rt), rt.Facts.AdminClientID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].KID != info.KID || keys[0].KeyName != "default-sandbox-admin" || !keys[0].InUse {
		t.Errorf("admin client keys after two bootstraps = %+v, want only %s, in use", keys, info.KID)
	}
	all, _ := rt.Keys.List()
	if len(all) != 1 {
		t.Errorf("keystore has %d keys after two bootstraps, want 1", len(all))
	}
}

// When the admin client's key stops working, every self-service call says
// so, with the way out.
func TestAdminCredentialsRefused(t *testing.T) {
	tests := []struct {
		name    string
		keys    func(jwk map[string]any) []any // the admin client's key set at Digdir
		wantMsg string
	}{
		{"expired", func(k map[string]any) []any {
			k["exp"] = time.Now().Add(-time.Hour).Unix()
			return []any{k}
		}, "has expired"},
		{"removed", func(map[string]any) []any { return []any{} }, "was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t)
			rt := h.open()
			ss := api(t, rt)
			jwk, err := rt.registrable(rt.Facts.AdminKey)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]any{"kty": jwk.Kty, "kid": jwk.KID, "use": jwk.Use, "alg": jwk.Alg, "n": jwk.N, "e": jwk.E}
			control(t, rt, "PUT", "/clients/"+rt.Facts.AdminClientID+"/jwks", map[string]any{"keys": tt.keys(m)}, nil)

			_, err = rt.ListClients(context.Background(), ss)
			var ae *AdminError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *AdminError", err, err)
			}
			msg := ae.Error()
			if !strings.HasPrefix(msg, "the admin client's key default-sandbox-admin "+tt.wantMsg) {
				t.Errorf("message = %q, want it to start with the admin key %s", msg, tt.wantMsg)
			}
			if !strings.Contains(ae.Hint(), "systembruker admin clear") {
				t.Errorf("hint = %q, want the sandbox's way out", ae.Hint())
			}
			// The way out works: forget the admin, and the next call
			// registers the key again.
			if err := rt.ClearAdmin(); err != nil {
				t.Fatal(err)
			}
			rt = h.open()
			if _, err := rt.ListClients(context.Background(), api(t, rt)); err != nil {
				t.Fatalf("after admin clear: %v", err)
			}
		})
	}
}

// Outside the sandbox there is no admin client to bootstrap: the error
// names both ways forward.
func TestNoAdminOutsideSandbox(t *testing.T) {
	h, _ := newTestEnvHome(t)
	rt := h.open()
	_, err := rt.SelfService(context.Background(), nil)
	var na *NoAdminError
	if !errors.As(err, &na) {
		t.Fatalf("err = %v, want *NoAdminError", err)
	}
	for _, want := range []string{"admin set", "client use"} {
		if !strings.Contains(na.Hint(), want) {
			t.Errorf("hint %q lacks %q", na.Hint(), want)
		}
	}
}

// An admin client that signs with a kid registered on it, recorded with
// SetAdmin, drives the self-service API in the "test" environment.
func TestSetAdminRegisteredKey(t *testing.T) {
	h, inst := newTestEnvHome(t)
	rt := h.open()
	if err := rt.SetAdmin("not a client id", "x"); err == nil || !strings.Contains(err.Error(), "spaces") {
		t.Errorf("SetAdmin with a bad id: %v", err)
	}
	if _, err := rt.GenerateKey("admin", 2048); err != nil {
		t.Fatal(err)
	}
	adminID := seededAdmin(t, inst)
	jwk, err := rt.registrable("admin")
	if err != nil {
		t.Fatal(err)
	}
	controlAt(t, inst, "PUT", "/clients/"+adminID+"/jwks", map[string]any{"keys": []any{jwk}}, nil)
	if err := rt.SetAdmin(adminID, "admin"); err != nil {
		t.Fatal(err)
	}
	st, err := h.open().Admin()
	if err != nil {
		t.Fatal(err)
	}
	if st.ClientID != adminID || st.SignsWith != "kid" || st.KID == "" {
		t.Errorf("Admin() = %+v", st)
	}
	rt = h.open()
	ss := api(t, rt)
	if _, err := rt.ListClients(context.Background(), ss); err != nil {
		t.Fatal(err)
	}

	// The self-service API refusing the admin token (401) is the admin
	// client's problem, said as such.
	controlAt(t, inst, "POST", "/faults", map[string]any{"path_prefix": "/selfservice/api/v1/clients", "status": 401, "count": 1}, nil)
	_, err = rt.ListClients(context.Background(), ss)
	var ae *AdminError
	if !errors.As(err, &ae) || ae.Expired || !strings.HasPrefix(ae.Error(), "the admin client's key admin was refused") {
		t.Fatalf("after a 401: %v", err)
	}
	if !strings.Contains(ae.Hint(), "admin set --client-id "+adminID) {
		t.Errorf("hint = %q", ae.Hint())
	}
}

// seededAdmin finds the demo vendor's admin client of a simulator.
func seededAdmin(t *testing.T, inst *sim.Instance) string {
	t.Helper()
	var st sandboxState
	controlAt(t, inst, "GET", "/state", nil, &st)
	for _, c := range st.Clients {
		if c.Admin && c.OrgNo == sim.DemoVendorOrgNo {
			return c.ClientID
		}
	}
	t.Fatal("no seeded admin client")
	return ""
}

// An admin client that signs with a virksomhetssertifikat (x5c, no kid
// registered) drives the self-service API too.
func TestAdminVirksomhetssertifikat(t *testing.T) {
	h, inst := newTestEnvHome(t)
	rt := h.open()
	caPEM, keyPEM := businessCert(t, sim.DemoVendorOrgNo)
	controlAt(t, inst, "POST", "/trust", map[string]any{"pem": string(caPEM)}, nil)
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.ImportKey("virksomhet", FormatPEM, path, ""); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetAdmin(seededAdmin(t, inst), "virksomhet"); err != nil {
		t.Fatal(err)
	}
	st, err := rt.Admin()
	if err != nil || st.SignsWith != "x5c" {
		t.Fatalf("Admin() = %+v, %v; want x5c", st, err)
	}
	cs, err := rt.ListClients(context.Background(), api(t, rt))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Error("no clients listed")
	}
}

// businessCert makes a CA and a leaf certificate for orgNo (subject
// serialNumber, as Buypass and Commfides issue them); it returns the CA as
// PEM and the leaf's private key followed by leaf and CA as PEM.
func businessCert(t *testing.T, orgNo string) (caPEM, keyPEM []byte) {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Demo Regnskap AS", SerialNumber: orgNo},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	keyPEM = append(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})...)
	keyPEM = append(keyPEM, caPEM...)
	return caPEM, keyPEM
}
