package flows

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/cmdhint"
	"github.com/systembruker/systembruker/keystore"
)

// A suggested command must select, when pasted, the profile, environment
// and key store that the command that printed it used.
func TestCommandFlags(t *testing.T) {
	const cfg = `{"active_profile": "main", "profiles": {
		"main": {}, "acme": {"env": "prod"}, "staging": {"env": "test"}}}`
	tests := []struct {
		name                   string
		config                 string
		profile, env, keystore string
		want                   cmdhint.Flags
	}{
		{"no config, defaults", "", "", "", "", cmdhint.Flags{}},
		{"no config, --env test", "", "", "test", "", cmdhint.Flags{Env: "test"}},
		{"no config, --env sandbox", "", "", "sandbox", "", cmdhint.Flags{}},
		{"no config, --profile default", "", "default", "", "", cmdhint.Flags{}},
		{"no config, --profile acme", "", "acme", "", "", cmdhint.Flags{Profile: "acme"}},
		{"active profile", cfg, "", "", "", cmdhint.Flags{}},
		{"active profile named", cfg, "main", "prod", "", cmdhint.Flags{Env: "prod"}},
		{"profile whose env is prod", cfg, "acme", "", "", cmdhint.Flags{Profile: "acme"}},
		{"profile whose env is prod, --env prod", cfg, "acme", "prod", "", cmdhint.Flags{Profile: "acme"}},
		{"profile whose env is prod, --env sandbox", cfg, "acme", "sandbox", "", cmdhint.Flags{Profile: "acme", Env: "sandbox"}},
		{"default is no longer the bare choice", cfg, "default", "", "", cmdhint.Flags{Profile: "default"}},
		{"profile whose env is test, --env test", cfg, "staging", "test", "", cmdhint.Flags{Profile: "staging"}},
		{"file key store", "", "", "", "file", cmdhint.Flags{Keystore: "file"}},
		{"keychain named", "", "", "", "keychain", cmdhint.Flags{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dirs := config.Dirs{Config: t.TempDir(), Data: t.TempDir()}
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(dirs.Config, "config.json"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rt, err := Open(Options{
				Dirs: dirs, Profile: tt.profile, Env: tt.env, Keystore: keystore.Backend(tt.keystore),
				Passphrase: func() ([]byte, error) { return nil, errors.New("not asked") },
				Getenv:     func(string) string { return "" },
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := rt.CommandFlags(); got != tt.want {
				t.Errorf("CommandFlags() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// After `profile use`, the suggested commands are for the profile that is
// now active.
func TestCommandFlagsFollowTheActiveProfile(t *testing.T) {
	rt, err := Open(Options{Dirs: config.Dirs{Config: t.TempDir(), Data: t.TempDir()}, Profile: "acme",
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.CommandFlags(); got != (cmdhint.Flags{Profile: "acme"}) {
		t.Fatalf("before: %+v", got)
	}
	rt.Config.ActiveProfile = "acme"
	if got := rt.CommandFlags(); got != (cmdhint.Flags{}) {
		t.Errorf("after acme became active: %+v, want no flags", got)
	}
}
