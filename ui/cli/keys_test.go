package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
)

const keysTestPassphrase = "test passphrase"

// keysCLI runs commands against the file keystore in a throw-away home. The
// file store is used because flows opens the keystore with the default
// keychain service, which tests must not share; the keystore package tests
// the real keychain with unique services.
type keysCLI struct {
	t    *testing.T
	env  map[string]string
	dirs config.Dirs
}

func newKeysCLI(t *testing.T) *keysCLI {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{
		"HOME":                    home,
		"XDG_CONFIG_HOME":         filepath.Join(home, "config"),
		"XDG_DATA_HOME":           filepath.Join(home, "data"),
		"XDG_STATE_HOME":          filepath.Join(home, "state"),
		"XDG_CACHE_HOME":          filepath.Join(home, "cache"),
		"SYSTEMBRUKER_PASSPHRASE": keysTestPassphrase,
	}
	dirs, err := config.DefaultDirs(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c := &keysCLI{t: t, env: env, dirs: dirs}
	simtest.FastFileStore(t, filepath.Join(dirs.Data, "keys"), keysTestPassphrase)
	return c
}

// run executes one command line and returns its exit code and streams.
func (c *keysCLI) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return c.env[k] },
		Now:    time.Now,
	}
	defer f.Close()
	code = Run(context.Background(), f, append([]string{"--keystore", "file"}, args...))
	return code, out.String(), errOut.String()
}

func (c *keysCLI) mustRun(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("%v: exit %d\n%s", args, code, errOut)
	}
	return out
}

func (c *keysCLI) write(name string, data []byte) string {
	path := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

func TestKeysLifecycle(t *testing.T) {
	c := newKeysCLI(t)
	var info keystore.Info
	if err := json.Unmarshal([]byte(c.mustRun("", "keys", "generate", "--name", "prod", "--json")), &info); err != nil {
		t.Fatal(err)
	}
	if info.Name != "prod" || info.Bits != 2048 || info.Storage != keystore.InFile || info.KID == "" {
		t.Fatalf("generate --json = %+v", info)
	}
	if _, _, errOut := c.run("", "keys", "generate", "--name", "other", "--bits", "3072"); !strings.Contains(errOut, "Generated key other (RSA-3072") {
		t.Fatalf("generate output: %s", errOut)
	}

	list := c.mustRun("", "keys", "list")
	for _, want := range []string{"NAME", "prod", "other", info.KID[:7] + "…", "file"} {
		if !strings.Contains(list, want) {
			t.Errorf("keys list lacks %q:\n%s", want, list)
		}
	}
	var listed []map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("", "keys", "list", "--json")), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("list --json = %v, %v", listed, err)
	}

	var jwk map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("", "keys", "public", "prod")), &jwk); err != nil {
		t.Fatal(err)
	}
	if jwk["kty"] != "RSA" || jwk["kid"] != info.KID || jwk["alg"] != "RS256" || jwk["use"] != "sig" || jwk["d"] != nil {
		t.Fatalf("public JWK = %v", jwk)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(c.mustRun("", "keys", "public", "prod", "--jwks")), &set); err != nil ||
		len(set.Keys) != 1 || set.Keys[0].KeyID != info.KID || !set.Keys[0].IsPublic() {
		t.Fatalf("public --jwks = %+v, %v", set, err)
	}

	found, err := keystore.ScanForPrivateKeys(c.dirs.All()...)
	if err != nil || len(found) > 0 {
		t.Fatalf("private key material in the clear: %v %v", found, err)
	}

	if code, _, errOut := c.run("", "keys", "delete", "prod"); code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Fatalf("delete without a terminal or --yes: exit %d, %s", code, errOut)
	}
	if _, _, errOut := c.run("", "keys", "delete", "prod", "--yes"); !strings.Contains(errOut, "Deleted key prod") {
		t.Fatalf("delete: %s", errOut)
	}
	code, _, errOut := c.run("", "keys", "public", "prod")
	if code != ExitError || !strings.Contains(errOut, "no key named prod: see `systembruker --keystore file keys list`") {
		t.Fatalf("public after delete: exit %d, %s", code, errOut)
	}
	c.mustRun("", "keys", "delete", "other", "--yes")
	if _, out, errOut := c.run("", "keys", "list"); out != "" || !strings.Contains(errOut, "No keys yet") {
		t.Fatalf("empty list: stdout %q, stderr %q", out, errOut)
	}
}

func TestKeysImport(t *testing.T) {
	c := newKeysCLI(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := c.write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	jwkJSON, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "kept-kid"})
	if err != nil {
		t.Fatal(err)
	}
	jwkFile := c.write("key.json", jwkJSON)
	p12File := c.write("cert.p12", keysTestP12(t, key, "s3cret pw"))
	pwFile := c.write("pw.txt", []byte("s3cret pw\n"))

	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // in stderr
	}{
		{"pem", "", []string{"--name", "a", "--pem", pemFile}, 0, "Imported key a"},
		{"jwk keeps kid", "", []string{"--name", "b", "--jwk", jwkFile}, 0, "kid kept-kid"},
		{"p12 password file", "", []string{"--name", "c", "--p12", p12File, "--password-file", pwFile}, 0, "SERIALNUMBER=314240979"},
		{"p12 password stdin", "s3cret pw\n", []string{"--name", "d", "--p12", p12File, "--password-stdin"}, 0, "Imported key d"},
		{"wrong p12 password", "nope\n", []string{"--name", "e", "--p12", p12File, "--password-stdin"}, ExitError, "wrong password for " + p12File},
		{"p12 without password source", "", []string{"--name", "e", "--p12", p12File}, ExitUsage, "--password-file"},
		{"missing name", "", []string{"--pem", pemFile}, ExitUsage, "--name is required"},
		{"two formats", "", []string{"--name", "e", "--pem", pemFile, "--jwk", jwkFile}, ExitUsage, "exactly one of"},
		{"password with pem", "", []string{"--name", "e", "--pem", pemFile, "--password-stdin"}, ExitUsage, "--p12 only"},
		{"duplicate", "", []string{"--name", "a", "--pem", pemFile}, ExitError, "already exists"},
		{"public key", "", []string{"--name", "e", "--pem", c.write("pub.pem", keysTestPublicPEM(t, key))}, ExitError, "only a public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := c.run(tt.stdin, append([]string{"keys", "import"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
	found, err := keystore.ScanForPrivateKeys(c.dirs.All()...)
	if err != nil || len(found) > 0 {
		t.Fatalf("private key material in the clear: %v %v", found, err)
	}
}

func TestKeysGenerateBadFlags(t *testing.T) {
	c := newKeysCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bits", "1024"}, "RSA keys below 2048 bits are refused by Maskinporten guidance"},
		{[]string{"--bits", "2500"}, "choose 2048, 3072 or 4096"},
		{[]string{"--name", "../x"}, "must start with a letter or digit"},
	}
	for _, tt := range tests {
		code, _, errOut := c.run("", append([]string{"keys", "generate"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("generate %v: exit %d, %s; want usage error %q", tt.args, code, errOut, tt.want)
		}
	}
}

// keysTestP12 wraps key in a .p12 with a self-signed virksomhetssertifikat-
// like certificate (org number in the subject serialNumber).
func keysTestP12(t *testing.T, key *rsa.PrivateKey, password string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "TEST AS", SerialNumber: "314240979", Country: []string{"NO"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return p12
}

func keysTestPublicPEM(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
