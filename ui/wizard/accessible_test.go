package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// runPlain runs the accessible mode on scripted answers. OneByteReader
// because huh's line prompts each wrap the input in a new scanner, which
// would otherwise swallow the answers meant for later prompts.
func runPlain(t *testing.T, rt *flows.Runtime, answers ...string) string {
	t.Helper()
	var out bytes.Buffer
	in := iotest.OneByteReader(strings.NewReader(strings.Join(answers, "\n") + "\n"))
	if len(answers) == 0 {
		in = strings.NewReader("")
	}
	err := Run(context.Background(), Options{Runtime: rt, Accessible: true, In: in, Out: &out})
	if err != nil {
		t.Fatalf("Run: %v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

func TestAccessibleEndOfInputQuits(t *testing.T) {
	tests := []struct {
		env  string
		want []string
	}{
		{"", []string{"profile default, environment sandbox\n", "1. Keys: todo", "2. Maskinporten client: todo", "1. Keys\n2. Maskinporten client\n3. Tokens\n4. Quit"}},
		{"prod", []string{"profile default, environment prod\nPRODUCTION: changes here reach real customers."}},
	}
	for _, tt := range tests {
		out := runPlain(t, newRuntime(t, tt.env))
		for _, want := range tt.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", tt.env, want, out)
			}
		}
	}
}

func TestAccessibleKeys(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	file := filepath.Join(t.TempDir(), "portal.jwks.json")
	out := runPlain(t, rt,
		"1",         // home: Keys
		"1", "", "", // Generate, default name, default size
		"3", "1", "y", file, // Show a public JWK of key 1, write it to file
		"4", "1", "y", // Delete key 1, confirm
		"3", // Back (no keys left)
		"2", // Quit
	)
	for _, want := range []string{
		"Generated key " + defaultName + " (RSA 2048, OS keychain).",
		"Wrote " + file,
		"Deleted key " + defaultName + ".",
		"default-sandbox-20260302: RSA 2048, OS keychain, kid ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var jwks struct {
		Keys []struct{ Kty, Kid string }
	}
	b, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(b, &jwks) != nil || len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" {
		t.Errorf("written JWKS = %s, %v", b, err)
	}
	if keys, _ := rt.ListKeys(); len(keys) != 0 {
		t.Errorf("keys left after delete: %+v", keys)
	}
}

func TestAccessibleWarnsExpiringKey(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	if _, err := rt.ImportKey("old", flows.FormatPEM, writeKeyPEM(t, testNow.Add(-time.Hour)), ""); err != nil {
		t.Fatal(err)
	}
	out := runPlain(t, rt)
	if want := "✗ Key old expired on 2026-03-02."; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
