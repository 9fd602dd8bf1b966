package keystore

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/zalando/go-keyring"
)

const testPassphrase = "correct horse battery staple"

// testScryptLogN keeps identity.age cheap to open: scrypt at age's default
// work factor takes many seconds under the race detector.
const testScryptLogN = 10

// uniqueService returns a keychain service name no other test uses and
// removes its items when the test ends.
func uniqueService(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	svc := "systembruker-test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := keyring.DeleteAll(svc); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("clean up keychain service %s: %v", svc, err)
		}
	})
	return svc
}

// newKeychainStore opens a Store on the real OS keychain.
func newKeychainStore(t *testing.T) *Store {
	t.Helper()
	keychaintest.Require(t)
	s, err := Open(Options{Dir: t.TempDir(), Service: uniqueService(t)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// passphraseSource returns a passphrase func and a counter of its calls.
func passphraseSource(pass string) (func() ([]byte, error), *atomic.Int32) {
	var n atomic.Int32
	return func() ([]byte, error) {
		n.Add(1)
		return []byte(pass), nil
	}, &n
}

func openFileStore(t *testing.T, dir, pass string) *Store {
	t.Helper()
	f, _ := passphraseSource(pass)
	s, err := Open(Options{Dir: dir, Backend: File, Passphrase: f})
	if err != nil {
		t.Fatal(err)
	}
	s.scryptLogN = testScryptLogN
	return s
}

func newFileStore(t *testing.T) *Store {
	t.Helper()
	return openFileStore(t, t.TempDir(), testPassphrase)
}

// backends lists the stores a backend-independent test runs against: the
// file store always, the real keychain when the session provides one.
func backends(t *testing.T) map[string]func(*testing.T) *Store {
	m := map[string]func(*testing.T) *Store{"file": newFileStore}
	if keychaintest.Available() {
		m["keychain"] = newKeychainStore
	}
	return m
}

// reopen returns a fresh Store on the same folder, service and backend, as
// a new process would open it.
func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	opts := Options{Dir: s.dir, Backend: s.backend, Service: s.service}
	if s.backend == File {
		opts.Passphrase, _ = passphraseSource(testPassphrase)
	}
	s2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

// signAndVerify signs a JWS with the loaded private key and verifies it with
// the public JWK from the metadata, as Maskinporten would with the
// registered key.
func signAndVerify(t *testing.T, s *Store, k *Key) {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.Private},
		(&jose.SignerOptions{}).WithHeader("kid", k.KID))
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"aud":"https://test.maskinporten.no/","jti":"` + rand.Text() + `"}`)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	compact, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.PublicJWK(k.Name)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsed.Verify(pub)
	if err != nil {
		t.Fatalf("signature by the loaded key does not verify with the stored public JWK: %v", err)
	}
	if string(got) != string(payload) {
		t.Fatalf("verified payload %q, want %q", got, payload)
	}
}

// testPKI is a CA hierarchy like a virksomhetssertifikat's: root,
// intermediate and a leaf whose subject serialNumber is the org number.
type testPKI struct {
	root, inter, leaf *x509.Certificate
	leafKey           *rsa.PrivateKey
}

const testOrgNo = "314240979"

var makePKI = sync.OnceValues(func() (testPKI, error) {
	var p testPKI
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return p, err
	}
	interKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return p, err
	}
	if p.leafKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return p, err
	}
	now := time.Now().Truncate(time.Second)
	mk := func(serial int64, subj pkix.Name, ca bool, notAfter time.Time, pub *rsa.PublicKey, parent *x509.Certificate, signer *rsa.PrivateKey) (*x509.Certificate, error) {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               subj,
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              notAfter,
			IsCA:                  ca,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature,
		}
		if ca {
			tmpl.KeyUsage |= x509.KeyUsageCertSign
		}
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	if p.root, err = mk(1, pkix.Name{CommonName: "Test Root CA", Organization: []string{"Test CA AS"}, Country: []string{"NO"}},
		true, now.AddDate(10, 0, 0), &rootKey.PublicKey, nil, rootKey); err != nil {
		return p, err
	}
	if p.inter, err = mk(2, pkix.Name{CommonName: "Test Class 3 CA 3", Organization: []string{"Test CA AS"}, Country: []string{"NO"}},
		true, now.AddDate(5, 0, 0), &interKey.PublicKey, p.root, rootKey); err != nil {
		return p, err
	}
	p.leaf, err = mk(3, pkix.Name{
		CommonName: "SYSTEMBRUKER TEST AS", Organization: []string{"SYSTEMBRUKER TEST AS"},
		SerialNumber: testOrgNo, Country: []string{"NO"},
	}, false, now.AddDate(2, 0, 0), &p.leafKey.PublicKey, p.inter, interKey)
	return p, err
})

func pki(t *testing.T) testPKI {
	t.Helper()
	p, err := makePKI()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var makeRSA2048 = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// rsa2048 is a shared key for import tests; Generate tests make their own.
func rsa2048(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := makeRSA2048()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8PEM(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

// assertClean fails if any of dirs holds private key material in the clear.
func assertClean(t *testing.T, dirs ...string) {
	t.Helper()
	found, err := ScanForPrivateKeys(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("private key material in the clear in %v", found)
	}
}
