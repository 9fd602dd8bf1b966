package keystore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// wantThumbprint computes the RFC 7638 kid independently of the store.
func wantThumbprint(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	k := jose.JSONWebKey{Key: pub}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

func TestImport(t *testing.T) {
	key := rsa2048(t)
	p := pki(t)
	privJWK, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "registered-kid", Algorithm: "RS256", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	noKidJWK, err := json.Marshal(jose.JSONWebKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	modern, err := pkcs12.Modern.Encode(p.leafKey, p.leaf, []*x509.Certificate{p.root, p.inter}, "passord")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pkcs12.Legacy.Encode(p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.root}, "passord")
	if err != nil {
		t.Fatal(err)
	}
	// A PEM bundle with the chain out of order and the key in the middle.
	bundle := append(pemBlock("CERTIFICATE", p.root.Raw), pkcs8PEM(t, p.leafKey)...)
	bundle = append(bundle, pemBlock("CERTIFICATE", p.inter.Raw)...)
	bundle = append(bundle, pemBlock("CERTIFICATE", p.leaf.Raw)...)

	tests := []struct {
		name    string
		do      func(*Store) (Info, error)
		key     *rsa.PrivateKey
		kid     string // "" means the thumbprint
		chain   bool
		storage Storage // for the keychain backend
	}{
		{"pkcs1", func(s *Store) (Info, error) {
			return s.ImportPEM("pkcs1", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)))
		}, key, "", false, InKeychain},
		{"pkcs8", func(s *Store) (Info, error) { return s.ImportPEM("pkcs8", pkcs8PEM(t, key)) }, key, "", false, InKeychain},
		{"pem-chain", func(s *Store) (Info, error) { return s.ImportPEM("pem-chain", bundle) }, p.leafKey, "", true, InKeychainFile},
		{"jwk", func(s *Store) (Info, error) { return s.ImportJWK("jwk", privJWK) }, key, "registered-kid", false, InKeychain},
		{"jwk-nokid", func(s *Store) (Info, error) { return s.ImportJWK("jwk-nokid", noKidJWK) }, key, "", false, InKeychain},
		{"p12-modern", func(s *Store) (Info, error) { return s.ImportP12("p12-modern", modern, "passord") }, p.leafKey, "", true, InKeychainFile},
		{"p12-legacy", func(s *Store) (Info, error) { return s.ImportP12("p12-legacy", legacy, "passord") }, p.leafKey, "", true, InKeychainFile},
	}
	for backend, open := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			s := open(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					info, err := tt.do(s)
					if err != nil {
						t.Fatal(err)
					}
					kid := tt.kid
					if kid == "" {
						kid = wantThumbprint(t, &tt.key.PublicKey)
					}
					if info.KID != kid || info.Bits != 2048 || info.Name != tt.name {
						t.Errorf("Info = %+v, want kid %s, 2048 bits", info, kid)
					}
					wantStorage := tt.storage
					if backend == "file" {
						wantStorage = InFile
					}
					if info.Storage != wantStorage {
						t.Errorf("Storage = %q, want %q", info.Storage, wantStorage)
					}
					k, err := reopen(t, s).Load(tt.name)
					if err != nil {
						t.Fatal(err)
					}
					if !k.Private.Equal(tt.key) {
						t.Fatal("loaded key differs from the imported one")
					}
					checkChain(t, k, tt.chain, p)
					signAndVerify(t, s, k)
				})
			}
			assertClean(t, s.dir)
		})
	}
}

func checkChain(t *testing.T, k *Key, want bool, p testPKI) {
	t.Helper()
	if !want {
		if len(k.Chain) != 0 || k.Certificate != nil || k.Expires != nil {
			t.Fatalf("plain key has chain %d, certificate %+v, expires %v", len(k.Chain), k.Certificate, k.Expires)
		}
		return
	}
	wantChain := []*x509.Certificate{p.leaf, p.inter, p.root}
	if len(k.Chain) != 3 {
		t.Fatalf("chain has %d certificates, want 3", len(k.Chain))
	}
	for i := range wantChain {
		if !k.Chain[i].Equal(wantChain[i]) {
			t.Fatalf("chain[%d] = %s, want %s", i, k.Chain[i].Subject, wantChain[i].Subject)
		}
	}
	c := k.Certificate
	if c == nil || c.OrgNo != testOrgNo || !strings.Contains(c.Subject, "SYSTEMBRUKER TEST AS") ||
		!strings.Contains(c.Issuer, "Test Class 3 CA 3") || !c.NotAfter.Equal(p.leaf.NotAfter) {
		t.Fatalf("Certificate = %+v", c)
	}
	if k.Expires == nil || !k.Expires.Equal(p.leaf.NotAfter) {
		t.Fatalf("Expires = %v, want the certificate's %v", k.Expires, p.leaf.NotAfter)
	}
}

// TestBadInput: every kind of wrong input gets its own message.
func TestBadInput(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecJWK, _ := json.Marshal(jose.JSONWebKey{Key: ec})
	key := rsa2048(t)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubJWK, _ := json.Marshal(jose.JSONWebKey{Key: &key.PublicKey})
	privJWK, _ := json.Marshal(jose.JSONWebKey{Key: key})
	p := pki(t)
	p12, err := pkcs12.Modern.Encode(p.leafKey, p.leaf, nil, "riktig")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		do   func(*Store) error
		is   error  // errors.Is target, if any
		msg  string // must appear in the message
	}{
		{"corrupt PEM", imp(func(s *Store) (Info, error) {
			return s.ImportPEM("k", []byte("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n"))
		}), nil, "PRIVATE KEY PEM block is damaged"},
		{"no PEM at all", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", []byte("hello")) }), nil, "not a PEM block"},
		{"garbage DER", imp(func(s *Store) (Info, error) {
			return s.ImportPEM("k", pemBlock("PRIVATE KEY", []byte("not DER")))
		}), nil, "not an RSA private key"},
		{"1024-bit PEM", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", pkcs8PEM(t, small)) }),
			errSmallKey, "RSA keys below 2048 bits are refused by Maskinporten guidance; generate a new key with `systembruker keys generate`"},
		{"1024-bit generate", imp(func(s *Store) (Info, error) { return s.Generate("k", 1024) }), errSmallKey, "below 2048 bits"},
		{"odd size generate", imp(func(s *Store) (Info, error) { return s.Generate("k", 2500) }), nil, "choose 2048, 3072 or 4096"},
		{"public-only PEM", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", pemBlock("PUBLIC KEY", pubDER)) }),
			nil, "only a public key"},
		{"certificate only", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", pemBlock("CERTIFICATE", p.leaf.Raw)) }),
			nil, "only a public key"},
		{"public-only JWK", imp(func(s *Store) (Info, error) { return s.ImportJWK("k", pubJWK) }), nil, "only a public key"},
		{"EC PKCS#8", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", pkcs8PEM(t, ec)) }), nil, "RSA only"},
		{"EC SEC1", imp(func(s *Store) (Info, error) { return s.ImportPEM("k", pemBlock("EC PRIVATE KEY", ecDER)) }), nil, "RSA only"},
		{"EC JWK", imp(func(s *Store) (Info, error) { return s.ImportJWK("k", ecJWK) }), nil, "RSA only"},
		{"JWKS", imp(func(s *Store) (Info, error) { return s.ImportJWK("k", []byte(`{"keys":[]}`)) }), nil, "JWK Set"},
		{"not JSON", imp(func(s *Store) (Info, error) { return s.ImportJWK("k", []byte(`{`)) }), nil, "not a JWK"},
		{"wrong .p12 password", imp(func(s *Store) (Info, error) { return s.ImportP12("k", p12, "feil") }),
			ErrWrongPassword, "wrong password"},
		{"not a .p12", imp(func(s *Store) (Info, error) { return s.ImportP12("k", []byte("junk"), "x") }), nil, "not a usable .p12"},
		{"key/cert mismatch", imp(func(s *Store) (Info, error) {
			return s.ImportPEM("k", append(pkcs8PEM(t, key), pemBlock("CERTIFICATE", p.leaf.Raw)...))
		}), nil, "none of the certificates belongs to the private key"},
		{"unknown name Load", func(s *Store) error { _, err := s.Load("nope"); return err },
			ErrNotFound, "no key named nope: see `systembruker keys list`"},
		{"unknown name Delete", func(s *Store) error { return s.Delete("nope") }, ErrNotFound, "no key named nope"},
		{"unknown name PublicJWK", func(s *Store) error { _, err := s.PublicJWK("nope"); return err }, ErrNotFound, "no key named nope"},
		{"unknown name SetExpiry", func(s *Store) error { return s.SetExpiry("nope", time.Now()) }, ErrNotFound, "no key named nope"},
		{"duplicate name", func(s *Store) error {
			if _, err := s.ImportJWK("dup", privJWK); err != nil {
				return err
			}
			_, err := s.ImportPEM("dup", pkcs8PEM(t, key))
			return err
		}, ErrExists, "`systembruker keys delete dup`"},
		{"invalid name", imp(func(s *Store) (Info, error) { return s.Generate("a/../evil", 2048) }), nil, "may only contain"},
		{"reserved name", imp(func(s *Store) (Info, error) { return s.ImportJWK("Identity", privJWK) }), nil, "reserved"},
	}
	for backend, open := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			s := open(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := tt.do(s)
					if err == nil {
						t.Fatal("no error")
					}
					if tt.is != nil && !errors.Is(err, tt.is) {
						t.Errorf("error %q does not match %v", err, tt.is)
					}
					if !strings.Contains(err.Error(), tt.msg) {
						t.Errorf("error %q does not say %q", err, tt.msg)
					}
				})
			}
			// Failed imports left nothing: only "dup" exists.
			list, err := s.List()
			if err != nil || len(list) != 1 || list[0].Name != "dup" {
				t.Fatalf("List = %+v, %v; want just dup", list, err)
			}
		})
	}
}

func imp(f func(*Store) (Info, error)) func(*Store) error {
	return func(s *Store) error { _, err := f(s); return err }
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"prod", true}, {"Prod-2026.v2_a", true}, {"9", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"-x", false}, {".hidden", false},
		{"a/b", false}, {"a b", false}, {"../x", false}, {"nøkkel", false}, {"identity", false}, {"IDENTITY", false},
	}
	for _, tt := range tests {
		if err := ValidName(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	// A long name is measured, not echoed.
	if err := ValidName(strings.Repeat("a", 100_000)); err == nil || len(err.Error()) > 100 {
		t.Errorf("ValidName(100 000 characters) = %.200v", err)
	}
}

// TestPublicJWK: the public JWK carries what Digdir's self-service API needs
// and no private member.
func TestPublicJWK(t *testing.T) {
	s := newFileStore(t)
	p := pki(t)
	if _, err := s.ImportPEM("cert", append(pkcs8PEM(t, p.leafKey), pemBlock("CERTIFICATE", p.leaf.Raw)...)); err != nil {
		t.Fatal(err)
	}
	jwk, err := s.PublicJWK("cert")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(jwk)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := m[k]; ok {
			t.Errorf("public JWK has private member %q", k)
		}
	}
	want := map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": wantThumbprint(t, &p.leafKey.PublicKey), "e": "AQAB"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %s", k, m[k], v)
		}
	}
	x5c, _ := m["x5c"].([]any)
	if len(x5c) != 1 || x5c[0] != base64.StdEncoding.EncodeToString(p.leaf.Raw) {
		t.Errorf("x5c = %v, want the leaf", m["x5c"])
	}
	if _, ok := m["n"].(string); !ok {
		t.Error("no n")
	}
}

// TestSetExpiry: Expires is the earliest of the certificate's NotAfter and
// Maskinporten's exp.
func TestSetExpiry(t *testing.T) {
	s := newFileStore(t)
	p := pki(t)
	if _, err := s.ImportPEM("cert", append(pkcs8PEM(t, p.leafKey), pemBlock("CERTIFICATE", p.leaf.Raw)...)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportJWK("plain", mustJSON(t, jose.JSONWebKey{Key: rsa2048(t)})); err != nil {
		t.Fatal(err)
	}
	sooner := p.leaf.NotAfter.Add(-24 * time.Hour)
	later := p.leaf.NotAfter.Add(24 * time.Hour)
	tests := []struct {
		name string
		exp  time.Time
		want time.Time
	}{
		{"cert", later, p.leaf.NotAfter},
		{"cert", sooner, sooner},
		{"plain", later, later},
	}
	for _, tt := range tests {
		if err := s.SetExpiry(tt.name, tt.exp); err != nil {
			t.Fatal(err)
		}
		info, err := reopen(t, s).Info(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if info.Expires == nil || !info.Expires.Equal(tt.want) {
			t.Errorf("%s after SetExpiry(%v): Expires = %v, want %v", tt.name, tt.exp, info.Expires, tt.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// panicKeychain fails the test on any keychain call: List, Info and
// PublicJWK must work from metadata alone.
type panicKeychain struct{ t *testing.T }

func (k panicKeychain) Set(string, string, string) error {
	k.t.Error("unexpected keychain Set")
	return errors.New("no")
}
func (k panicKeychain) Get(string, string) (string, error) {
	k.t.Error("unexpected keychain Get")
	return "", errors.New("no")
}
func (k panicKeychain) Delete(string, string) error {
	k.t.Error("unexpected keychain Delete")
	return errors.New("no")
}

func TestListReadsMetadataOnly(t *testing.T) {
	dir := t.TempDir()
	fstore := openFileStore(t, dir, testPassphrase)
	for _, n := range []string{"zeta", "alpha", "Mid"} {
		if _, err := fstore.ImportJWK(n, mustJSON(t, jose.JSONWebKey{Key: rsa2048(t)})); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.kc = panicKeychain{t}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range list {
		names = append(names, i.Name)
	}
	if strings.Join(names, ",") != "Mid,alpha,zeta" {
		t.Fatalf("List names = %v, want sorted", names)
	}
	if _, err := s.Info("alpha"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublicJWK("alpha"); err != nil {
		t.Fatal(err)
	}
	if l, err := (&Store{dir: t.TempDir() + "/missing"}).List(); err != nil || l == nil || len(l) != 0 {
		t.Fatalf("List of a missing dir = %v, %v; want empty", l, err)
	}
}
