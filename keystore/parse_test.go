package keystore

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// selfSigned is a certificate for the shared test key, valid in [from, to].
func selfSigned(t *testing.T, from, to time.Time) *x509.Certificate {
	t.Helper()
	key := rsa2048(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "OLD VIRKSOMHET AS"},
		NotBefore: from, NotAfter: to,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParsePEMExplainsBadText(t *testing.T) {
	key := pkcs8PEM(t, rsa2048(t))
	lines := strings.SplitAfter(string(key), "\n")
	truncated := strings.Join(lines[:len(lines)/2], "")
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"truncated", truncated, "the PEM is incomplete: it has a BEGIN PRIVATE KEY line but no -----END PRIVATE KEY----- line"},
		{"only the BEGIN line", "-----BEGIN RSA PRIVATE KEY-----\n", "no -----END RSA PRIVATE KEY----- line"},
		{"damaged", "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n", "PRIVATE KEY PEM block is damaged"},
		{"key, then a cut certificate", string(key) + "-----BEGIN CERTIFICATE-----\nMIIB\n", "no -----END CERTIFICATE----- line"},
		{"no PEM", "hello", "not a PEM block"},
	}
	for _, tc := range tests {
		_, _, err := parsePEM([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && bytes.Contains([]byte(err.Error()), []byte("MII")) {
			t.Errorf("%s: the error quotes the key: %v", tc.name, err)
		}
	}
}

// A certificate that is not valid yet (a renewed virksomhetssertifikat
// imported early) is accepted; its start is kept so the CLI can warn.
func TestParsePEMNotYetValid(t *testing.T) {
	from := time.Now().AddDate(0, 0, 10).Truncate(time.Second)
	future := selfSigned(t, from, from.AddDate(2, 0, 0))
	_, chain, err := parsePEM(append(pkcs8PEM(t, rsa2048(t)), pemBlock("CERTIFICATE", future.Raw)...))
	if err != nil {
		t.Fatal(err)
	}
	if ci := certInfo(chain[0]); !ci.NotBefore.Equal(from) {
		t.Errorf("NotBefore = %v, want %v", ci.NotAfter, from)
	}
}

func TestParseJWKChecksKID(t *testing.T) {
	key := rsa2048(t)
	tests := []struct {
		kid, want string
	}{
		{"kept-kid_2026.1", ""},
		{"", ""},
		{strings.Repeat("k", 100_000), "kid is 100000 characters long"},
		{"evil\x1b]0;title\x07", "kid contains the character U+001B"},
		{"a b", `kid contains ' '`},
	}
	for _, tc := range tests {
		data, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: tc.kid})
		if err != nil {
			t.Fatal(err)
		}
		_, _, kid, err := parseJWK(data)
		switch {
		case tc.want == "" && (err != nil || kid != tc.kid):
			t.Errorf("kid %.20q: %q, %v", tc.kid, kid, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("kid %.20q: error %v, want %q", tc.kid, err, tc.want)
		}
	}
}
