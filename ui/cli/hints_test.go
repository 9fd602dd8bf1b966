package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hints from every layer (flows, api/maskinporten) name commands that run as
// printed: with --env when the command ran in another environment than a
// bare command would.
func TestHintsCarryTheEnvironment(t *testing.T) {
	fx := newTokenFixture(t)
	expiredJWK := fx.publicJWK("main")
	expiredJWK["exp"] = harnessStart.Add(-24 * time.Hour).Unix()
	expired := fx.addClient([]string{scopeA}, expiredJWK)

	for _, tc := range []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"flows", []string{"--env", "test", "token", "--scope", scopeA, "--client-id", fx.clientID, "--key", "nope"},
			[]string{"no key named nope: see `systembruker --env test keys list`, or generate one with `systembruker --env test keys generate`"}},
		{"api", []string{"token", "--env", "prod", "--scope", scopeA, "--client-id", expired, "--key", "main"},
			[]string{"→ key expired: run `systembruker --env prod keys rotate`"}},
		{"profile", []string{"--profile", "fresh", "token", "--scope", scopeA},
			[]string{"create a client with `systembruker --profile fresh client create`"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := fx.run(tc.args...)
			if code == ExitOK {
				t.Fatalf("exit 0")
			}
			wantContains(t, "stderr", errOut, tc.stderr...)
		})
	}
}

// A profile whose own environment is prod is selected by --profile alone:
// its hints name --profile and no --env, and a pasted hint runs in prod.
func TestHintsForAProfileInProd(t *testing.T) {
	h := newHarness(t)
	if err := os.MkdirAll(h.dirs.Config, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"profiles": {"acme": {"env": "prod"}}}`
	if err := os.WriteFile(filepath.Join(h.dirs.Config, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := h.run("--profile", "acme", "token", "--scope", "a:b", "--client-id", "x", "--key", "nope")
	if code != ExitUsage {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	wantContains(t, "stderr", errOut, "see `systembruker --profile acme keys list`")
	if strings.Contains(errOut, "--env") {
		t.Errorf("a hint names --env although the profile selects prod:\n%s", errOut)
	}
}

// Before the runtime is open (a usage error), the valid global flags given
// stand in for it.
func TestHintFlagsBeforeTheRuntime(t *testing.T) {
	const msg = "see `systembruker keys list`"
	for _, tc := range []struct {
		name string
		f    Factory
		want string
	}{
		{"none", Factory{}, msg},
		{"all", Factory{Env: "test", Profile: "acme", Keystore: "file"},
			"see `systembruker --env test --profile acme --keystore file keys list`"},
		{"invalid ones left out", Factory{Env: "nosuch", Profile: "bad name", Keystore: "vault"}, msg},
		{"keychain is the default", Factory{Keystore: "keychain"}, msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.commands(msg); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
