package keystore

import (
	"os"
	"strings"
	"testing"
)

// Load refuses a private key that is not the one its metadata describes
// (metadata edited or swapped by hand), and PublicJWK refuses damaged
// metadata, each with a message that names the file.
func TestMetadataMustMatchKey(t *testing.T) {
	s := newFileStore(t)
	for _, n := range []string{"a", "b"} {
		if _, err := s.Generate(n, 2048); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Load("a"); err != nil {
		t.Fatalf("Load before tampering: %v", err)
	}
	metaB, err := os.ReadFile(s.metaPath("b"))
	if err != nil {
		t.Fatal(err)
	}
	// a's metadata now carries b's public key.
	swapped := strings.Replace(string(metaB), `"name": "b"`, `"name": "a"`, 1)
	if err := os.WriteFile(s.metaPath("a"), []byte(swapped), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("a"); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("Load with swapped metadata = %v, want a mismatch error", err)
	}

	damaged := strings.Replace(string(metaB), `"kty": "RSA"`, `"kty": "EC"`, 1)
	if damaged == string(metaB) {
		t.Fatalf("test set-up: no kty in %s", metaB)
	}
	if err := os.WriteFile(s.metaPath("b"), []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublicJWK("b"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("PublicJWK with damaged metadata = %v, want a damaged-metadata error", err)
	}
}
