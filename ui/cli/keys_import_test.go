package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/internal/keychaintest"
)

// A certificate that cannot sign now is imported with a warning that says
// why and what to do; one that can gets none.
func TestKeysImportWarnsCertificateValidity(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock()
	tests := []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"expired", now.AddDate(-1, 0, 0), now.AddDate(0, 0, -1), "The certificate expired on 2026-03-01: Maskinporten refuses grants signed with it"},
		{"future", now.AddDate(0, 0, 3), now.AddDate(1, 0, 0), "The certificate is valid only from 2026-03-05 09:30 UTC"},
		{"valid", now.AddDate(0, 0, -1), now.AddDate(1, 0, 0), ""},
	}
	for i, tc := range tests {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "LEVERANDØR AS"}, NotBefore: tc.from, NotAfter: tc.to}
		certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "key.pem")
		data := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})...)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := h.run("keys", "import", "--name", tc.name, "--pem", path)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, errOut)
		}
		if tc.want != "" && !strings.Contains(errOut, tc.want) || tc.want == "" && strings.Contains(errOut, "!") {
			t.Errorf("%s: stderr:\n%s\nwant %q", tc.name, errOut, tc.want)
		}
	}
}
