package keystore

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
	"software.sslmate.com/src/go-pkcs12"
)

// TestKeychainRoundTrip is the done-criterion: a key generated into
// the real Secret Service survives a "restart" (a fresh Store), signs, and
// is really gone from the keychain after Delete.
func TestKeychainRoundTrip(t *testing.T) {
	s := newKeychainStore(t)
	info, err := s.Generate("prod", 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Bits != 2048 || info.Storage != InKeychain {
		t.Fatalf("Generate = %+v, want 2048 bits in the keychain", info)
	}

	// The PEM sits in the keychain item the contract names.
	raw, err := keyring.Get(s.service, "key:prod")
	if err != nil {
		t.Fatalf("keychain item key:prod: %v", err)
	}
	if b, _ := pem.Decode([]byte(raw)); b == nil || b.Type != "PRIVATE KEY" {
		t.Fatalf("keychain item key:prod is not a PKCS#8 PEM")
	}
	if _, err := os.Stat(filepath.Join(s.dir, "prod.age")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a 2048-bit key must not get an age file (stat: %v)", err)
	}

	s2 := reopen(t, s)
	k, err := s2.Load("prod")
	if err != nil {
		t.Fatal(err)
	}
	if k.Info != info {
		t.Fatalf("loaded Info %+v, want %+v", k.Info, info)
	}
	signAndVerify(t, s2, k)
	assertClean(t, s.dir)

	if err := s2.Delete("prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Load("prod"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete: %v, want ErrNotFound", err)
	}
	if _, err := keyring.Get(s.service, "key:prod"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keychain item key:prod after Delete: %v, want go-keyring's ErrNotFound", err)
	}
	if list, err := s2.List(); err != nil || len(list) != 0 {
		t.Fatalf("List after Delete = %v, %v; want empty", list, err)
	}
}

// TestKeychainNewProcess reads the key back in a genuinely new process: the
// test binary runs itself with TestHelperLoadKey, which loads and signs.
func TestKeychainNewProcess(t *testing.T) {
	s := newKeychainStore(t)
	if _, err := s.Generate("child", 3072); err != nil {
		t.Fatal(err)
	}
	msg := "signed in another process"
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLoadKey$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"KEYSTORE_HELPER=1", "KEYSTORE_HELPER_DIR="+s.dir, "KEYSTORE_HELPER_SERVICE="+s.service,
		"KEYSTORE_HELPER_NAME=child", "KEYSTORE_HELPER_MSG="+msg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), "SIG=")
	if !ok {
		t.Fatalf("child printed no signature:\n%s", out)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.Fields(after)[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.PublicJWK("child")
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256Sum(msg)
	if err := rsa.VerifyPKCS1v15(pub.Key.(*rsa.PublicKey), crypto.SHA256, digest, sig); err != nil {
		t.Fatalf("the child's signature does not verify: %v", err)
	}
}

// TestHelperLoadKey is not a test: TestKeychainNewProcess runs it in a child
// process.
func TestHelperLoadKey(t *testing.T) {
	if os.Getenv("KEYSTORE_HELPER") != "1" {
		return
	}
	s, err := Open(Options{Dir: os.Getenv("KEYSTORE_HELPER_DIR"), Service: os.Getenv("KEYSTORE_HELPER_SERVICE")})
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.Load(os.Getenv("KEYSTORE_HELPER_NAME"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := rsa.SignPKCS1v15(nil, k.Private, crypto.SHA256, sha256Sum(os.Getenv("KEYSTORE_HELPER_MSG")))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("SIG=%s\n", base64.StdEncoding.EncodeToString(sig))
}

// TestSizeAware checks that secrets too big for macOS/Windows keychains go
// to an age file with the identity in the keychain, on every OS.
func TestSizeAware(t *testing.T) {
	s := newKeychainStore(t)
	p := pki(t)
	p12, err := pkcs12.Modern.Encode(p.leafKey, p.leaf, []*x509.Certificate{p.root, p.inter}, "hemmelig")
	if err != nil {
		t.Fatal(err)
	}

	big, err := s.Generate("big", 4096)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := s.ImportP12("virksomhet", p12, "hemmelig")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range []Info{big, cert} {
		if info.Storage != InKeychainFile {
			t.Errorf("%s: Storage = %q, want %q", info.Name, info.Storage, InKeychainFile)
		}
		id, err := keyring.Get(s.service, "key-identity:"+info.Name)
		if err != nil || !strings.HasPrefix(id, "AGE-SECRET-KEY-1") {
			t.Errorf("%s: keychain item key-identity:%s = %v, want an age identity", info.Name, info.Name, err)
		}
		if _, err := keyring.Get(s.service, "key:"+info.Name); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s: keychain item key:%s exists (err %v); the PEM must only be in the age file", info.Name, info.Name, err)
		}
		ct, err := os.ReadFile(filepath.Join(s.dir, info.Name+".age"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(ct, []byte("age-encryption.org/v1\n")) || bytes.Contains(ct, []byte("PRIVATE KEY")) {
			t.Errorf("%s.age is not an age file, or holds plaintext", info.Name)
		}
	}
	assertClean(t, s.dir)

	s2 := reopen(t, s)
	k, err := s2.Load("big")
	if err != nil {
		t.Fatal(err)
	}
	if k.Bits != 4096 || k.Private.N.BitLen() != 4096 {
		t.Fatalf("loaded %d bits, want 4096", k.Private.N.BitLen())
	}
	signAndVerify(t, s2, k)

	k, err = s2.Load("virksomhet")
	if err != nil {
		t.Fatal(err)
	}
	if !k.Private.Equal(p.leafKey) {
		t.Fatal("loaded .p12 key differs from the one encoded")
	}
	want := []*x509.Certificate{p.leaf, p.inter, p.root}
	if len(k.Chain) != len(want) {
		t.Fatalf("chain has %d certificates, want %d", len(k.Chain), len(want))
	}
	for i := range want {
		if !k.Chain[i].Equal(want[i]) {
			t.Fatalf("chain[%d] = %s, want %s (leaf first)", i, k.Chain[i].Subject, want[i].Subject)
		}
	}
	if k.Certificate == nil || k.Certificate.OrgNo != testOrgNo {
		t.Fatalf("Certificate = %+v, want org no %s", k.Certificate, testOrgNo)
	}
	signAndVerify(t, s2, k)

	// Delete shreds: the identity leaves the keychain and the file goes.
	if err := s2.Delete("virksomhet"); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(s.service, "key-identity:virksomhet"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("identity after Delete: %v, want go-keyring's ErrNotFound", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "virksomhet.age")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("age file after Delete: %v", err)
	}
}

// TestKeychainSecrets covers SetSecret's move between the keychain item and
// the age file when a value crosses the 2000-byte threshold.
func TestKeychainSecrets(t *testing.T) {
	s := newKeychainStore(t)
	const acct = "token:test:client-1:altinn:authentication/systemuser.request.write"
	small := []byte("eyJhbGciOiJSUzI1NiJ9.small")
	large := bytes.Repeat([]byte("x"), 2001)

	if _, err := s.GetSecret(acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetSecret before Set: %v, want ErrNotFound", err)
	}
	steps := []struct {
		value    []byte
		inItem   bool // value in keychain item secret:<acct>
		withFile bool // identity in keychain and age file
	}{
		{small, true, false},
		{large, false, true},
		{small, true, false},
	}
	file := s.secretSlot(acct).file
	for i, st := range steps {
		if err := s.SetSecret(acct, st.value); err != nil {
			t.Fatal(err)
		}
		got, err := reopen(t, s).GetSecret(acct)
		if err != nil || !bytes.Equal(got, st.value) {
			t.Fatalf("step %d: GetSecret = %d bytes, %v; want %d bytes", i, len(got), err, len(st.value))
		}
		_, itemErr := keyring.Get(s.service, "secret:"+acct)
		_, idErr := keyring.Get(s.service, "secret-identity:"+acct)
		_, fileErr := os.Stat(file)
		if (itemErr == nil) != st.inItem || (idErr == nil) != st.withFile || (fileErr == nil) != st.withFile {
			t.Fatalf("step %d (%d bytes): item %v, identity %v, file %v", i, len(st.value), itemErr, idErr, fileErr)
		}
	}
	if err := s.DeleteSecret(acct); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSecret(acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetSecret after Delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSecret(acct); err != nil {
		t.Fatalf("deleting an absent secret: %v", err)
	}
}

// TestLoadMissingSecret: metadata whose keychain item was deleted behind our
// back gives a specific error, not "no key named".
func TestLoadMissingSecret(t *testing.T) {
	s := newKeychainStore(t)
	if _, err := s.Generate("orphan", 2048); err != nil {
		t.Fatal(err)
	}
	if err := keyring.Delete(s.service, "key:orphan"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("orphan")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "keys delete orphan") {
		t.Fatalf("Load = %v, want an error that suggests `keys delete orphan`", err)
	}
	if err := s.Delete("orphan"); err != nil {
		t.Fatalf("Delete of a key whose secret is gone: %v", err)
	}
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
