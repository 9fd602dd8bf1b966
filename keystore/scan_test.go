package keystore

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestScanFindsPlaintext is the positive control: the scanner must flag
// every form of key in the clear, or the "nothing found" checks prove nothing.
func TestScanFindsPlaintext(t *testing.T) {
	key := rsa2048(t)
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	jwk := mustJSON(t, jose.JSONWebKey{Key: key, KeyID: "k"})
	jwks := mustJSON(t, map[string]any{"state": map[string]any{"keys": []json.RawMessage{jwk}}})
	wrapped := append([]byte("some header bytes\x00\x01"), append(pkcs8, "trailer"...)...)
	inConfig := mustJSON(t, map[string]string{"private_key": base64.StdEncoding.EncodeToString(pkcs8)})

	positives := map[string][]byte{
		"key.pem":     pkcs8PEM(t, key),
		"pkcs1.pem":   pemBlock("RSA PRIVATE KEY", pkcs1),
		"jwk.json":    jwk,
		"nested.json": jwks,
		"pkcs1.der":   pkcs1,
		"pkcs8.der":   pkcs8,
		"wrapped.bin": wrapped,
		"config.json": inConfig,
	}
	pub := mustJSON(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k"})
	negatives := map[string][]byte{
		"public.json": pub,
		"notes.txt":   []byte("RSA keys below 2048 bits are refused"),
		"cert.pem":    pemBlock("CERTIFICATE", pki(t).leaf.Raw),
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "nested", "deeper")
	for name, data := range positives {
		if err := os.MkdirAll(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range negatives {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	found, err := ScanForPrivateKeys(dir, filepath.Join(dir, "does-not-exist"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for name := range positives {
		want = append(want, filepath.Join(sub, name))
	}
	slices.Sort(want)
	slices.Sort(found)
	if !slices.Equal(found, want) {
		t.Fatalf("ScanForPrivateKeys found\n%v\nwant\n%v", found, want)
	}
}

// TestNoPlaintextKeys: after generating, importing and storing secrets with
// either backend, nothing in the store's folder holds a key in the clear.
func TestNoPlaintextKeys(t *testing.T) {
	for backend, open := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			s := open(t)
			if _, err := s.Generate("small", 2048); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Generate("large", 3072); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ImportJWK("jwk", mustJSON(t, jose.JSONWebKey{Key: rsa2048(t)})); err != nil {
				t.Fatal(err)
			}
			// A private key handed to SetSecret must not leak either.
			if err := s.SetSecret("pem", pkcs8PEM(t, rsa2048(t))); err != nil {
				t.Fatal(err)
			}
			if err := s.SetExpiry("small", pki(t).leaf.NotAfter); err != nil {
				t.Fatal(err)
			}
			assertClean(t, s.dir)
			entries, _ := os.ReadDir(s.dir)
			if len(entries) < 4 {
				t.Fatalf("the store wrote only %d entries; the scan checked nothing", len(entries))
			}
		})
	}
}
