package cli

// Secrets are never echoed, outside text never reaches the terminal with its
// control sequences, and absurd input is refused before anything is sent
// (issue 7, items 6–8).

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/sim"
)

// fakePEM looks like a private key to every reader of text: BEGIN line,
// 64-character base64 lines, END line. Only its text matters here.
func fakePEM(t *testing.T) (pemText, bodyLine string) {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString([]byte(rand.Text() + rand.Text() + rand.Text() + rand.Text() + rand.Text() + rand.Text()))
	var lines []string
	for len(b64) > 64 {
		lines = append(lines, b64[:64])
		b64 = b64[64:]
	}
	lines = append(lines, b64)
	return "-----BEGIN PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END PRIVATE KEY-----\n", lines[1]
}

// craftedJWT is an unsigned token whose claims are chosen by an attacker.
func craftedJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

// assertTerminalSafe fails if s holds an escape, a C0 control other than
// newline and tab, or a C1 control.
func assertTerminalSafe(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || r == 0x202e {
			t.Errorf("%s contains %U:\n%q", what, r, s)
			return
		}
	}
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8", what)
	}
}

func TestSecretsAreNotEchoed(t *testing.T) {
	h := newHarness(t)
	pemText, line := fakePEM(t)
	d := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text() + rand.Text()))
	jwk := `{"kty":"RSA","n":"AQAB","e":"AQAB","d":"` + d + `"}`
	jwt := craftedJWT(`{"iss":"x","scope":"a:b"}`)
	long := strings.Repeat("x", 5000)
	truncated := filepath.Join(t.TempDir(), "cut.pem")
	if err := os.WriteFile(truncated, []byte(pemText[:len(pemText)-30]), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		secret string // must not be in stderr
		want   string // must be
	}{
		{"PEM for --pem", []string{"keys", "import", "--name", "x", "--pem", pemText}, ExitUsage, line, "--pem takes the name of a file"},
		{"JWK for --jwk", []string{"keys", "import", "--name", "x", "--jwk", jwk}, ExitUsage, d, "--jwk takes the name of a file"},
		{"PEM as token inspect's argument", []string{"token", "inspect", pemText}, ExitUsage, line, "an argument is a key"},
		{"PEM as a flag's value", []string{"keys", "generate", "--bits", pemText}, ExitUsage, line, "an argument is a key"},
		{"JWT as client id", []string{"token", "--client-id", jwt, "--scope", "a:b", "--key", "k"}, ExitUsage, jwt, "is a token (JWT), not a client id"},
		{"JWT as client id, no key", []string{"token", "--client-id", jwt, "--scope", "a:b"}, ExitUsage, jwt, "is a token (JWT), not a client id"},
		{"PEM cut short", []string{"keys", "import", "--name", "x", "--pem", truncated}, ExitError, line,
			"the PEM is incomplete: it has a BEGIN PRIVATE KEY line but no -----END PRIVATE KEY----- line"},
		{"JWT in a missing file's name", []string{"keys", "import", "--name", "x", "--pem", "/nonexistent/" + jwt}, ExitError, jwt, "[redacted JWT]"},
		{"long value", []string{"keys", "import", "--name", "x", "--pem", "/nonexistent/" + long}, ExitError, long[:200], "… (5013 characters): file name too long"},
		{"long value with spaces", []string{"--keystore", strings.Repeat("word ", 20_000), "keys", "list"}, ExitUsage,
			strings.Repeat("word ", 500), "more characters)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := h.run(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d and %q; stderr:\n%s", code, tc.code, tc.want, errOut)
			}
			if strings.Contains(errOut, tc.secret) {
				t.Errorf("stderr echoes the secret:\n%s", errOut)
			}
		})
	}
	if n := h.simCount("POST /maskinporten/token"); n != 0 {
		t.Errorf("%d token requests sent", n)
	}
}

func TestInputIsBounded(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	p12 := filepath.Join(dir, "cert.p12")
	bigKID := filepath.Join(dir, "big-kid.jwk")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: strings.Repeat("k", 100_000)})
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string]string{p12: "not really a p12", bigKID: string(jwk)} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"--pem /dev/zero", "", []string{"keys", "import", "--name", "x", "--pem", "/dev/zero"}, ExitError, "the key file is larger than 1 MiB"},
		{"--password-file /dev/zero", "", []string{"keys", "import", "--name", "x", "--p12", p12, "--password-file", "/dev/zero"},
			ExitError, "the password file is larger than 4 KiB"},
		{"--password-stdin", strings.Repeat("p", 5000), []string{"keys", "import", "--name", "x", "--p12", p12, "--password-stdin"},
			ExitError, "the password on standard input is larger than 4 KiB"},
		{"100 KB kid", "", []string{"keys", "import", "--name", "x", "--jwk", bigKID}, ExitError, "kid is 100000 characters long"},
		{"token on stdin", strings.Repeat("e", 2<<20), []string{"token", "inspect"}, ExitUsage, "larger than 1 MiB"},
		{"100 KB client id", "", []string{"token", "--client-id", strings.Repeat("c", 100_000), "--scope", "a:b", "--key", "k"},
			ExitUsage, "100000 characters long"},
		{"100 KB scope", "", []string{"token", "--client-id", "c", "--scope", "a:" + strings.Repeat("s", 100_000), "--key", "k"},
			ExitUsage, "100002 characters long"},
		{"100 KB resource", "", []string{"token", "--client-id", "c", "--scope", "a:b", "--key", "k", "--resource", "https://x/" + strings.Repeat("r", 100_000)},
			ExitUsage, "100010 characters long"},
		{"100 KB externalRef", "", []string{"token", "--client-id", "c", "--scope", "a:b", "--key", "k", "--systemuser-org", "310007919",
			"--external-ref", strings.Repeat("e", 100_000)}, ExitUsage, "100000 characters long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := h.runWith(runOpts{stdin: tc.stdin}, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d and %q; stderr:\n%s", code, tc.code, tc.want, errOut)
			}
			if len(errOut) > 1000 {
				t.Errorf("stderr is %d bytes long", len(errOut))
			}
		})
	}
	if n := h.simCount("POST /maskinporten/token"); n != 0 {
		t.Errorf("%d token requests sent", n)
	}
}

func TestTokenInspectStripsControlSequences(t *testing.T) {
	h := newHarness(t)
	evil := "x\x1b[2J\x1b]0;pwned\x07\u009b31m\u202e"
	tok := craftedJWT(`{"iss":"` + jsonEsc(evil) + `","client_id":"c\r\nSignature verified.","exp":1e300,"iat":"soon",` +
		`"o":{"a":"` + jsonEsc(evil) + `"},"` + jsonEsc("\x1b[31mname") + `":1}`)
	out, errOut, code := h.runWith(runOpts{stdin: tok}, "token", "inspect")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	assertTerminalSafe(t, "inspect", out)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Signature verified") {
			t.Errorf("a claim faked a line of its own:\n%s", out)
		}
	}
	wantContains(t, "inspect", out, "1e300 (not a valid time", `"soon" (not a valid time`,
		"Its exp claim is not a valid time", "  name:")

	// --json keeps every character, with the dangerous ones escaped.
	out, errOut, code = h.runWith(runOpts{stdin: tok}, "token", "inspect", "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d\n%s", code, errOut)
	}
	assertTerminalSafe(t, "--json", out)
	var in struct {
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil || in.Claims["iss"] != evil {
		t.Errorf("--json changed the value: %q, %v", in.Claims["iss"], err)
	}
}

func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func TestStoredTextRefusesControls(t *testing.T) {
	h := newHarness(t)
	_, errOut, code := h.run("org", "set", "310000000", "--name", "Acme\x1b]8;;https://evil.example\x1b\\AS")
	if code == 0 || !strings.Contains(errOut, "the organisation name contains a control character (U+001B)") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	assertTerminalSafe(t, "stderr", errOut)
	if p := h.profile(); p.OrgName != "" || p.OrgNo != "" {
		t.Errorf("stored anyway: %+v", p)
	}
}

func TestServerTextIsStripped(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withAdmin()
	evil := "Evil\x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\r\nfake row\u009b31m"
	h.control("POST", "/clients", map[string]any{
		"org_no": sim.DemoVendorOrgNo, "client_name": evil, "description": evil, "scopes": []string{},
	}, nil)
	h.control("POST", "/scopes", map[string]any{
		"name": "evil:scope", "description": evil, "allowed_integration_types": []string{"maskinporten"},
		"accessible_for_all": true,
	}, nil)
	for _, args := range [][]string{{"client", "list"}, {"client", "scopes"}} {
		out, errOut, code := h.run(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
		assertTerminalSafe(t, strings.Join(args, " "), out)
		if !strings.Contains(out, "Evillink fake row") {
			t.Errorf("%v: the text is not shown, cleaned, on its row:\n%s", args, out)
		}
	}
}
