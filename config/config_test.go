package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		envName  string
		over     URLs
		vars     map[string]string
		wantMP   string
		wantIss  string
		embedded bool
		wantErr  string
	}{
		{name: "test builtin", envName: Test, wantMP: "https://test.maskinporten.no", wantIss: "https://test.maskinporten.no/"},
		{name: "prod builtin", envName: Prod, wantMP: "https://maskinporten.no", wantIss: "https://maskinporten.no/"},
		{name: "sandbox embedded", envName: Sandbox, wantIss: SandboxIssuer, embedded: true},
		{
			name: "sandbox pointed at sim serve", envName: Sandbox,
			vars: map[string]string{
				EnvMaskinportenURL: "http://127.0.0.1:8000/maskinporten/",
				EnvSelfServiceURL:  "http://127.0.0.1:8000/selfservice/api/v1",
				EnvAltinnURL:       "http://127.0.0.1:8000/altinn",
				EnvAltinnUIURL:     "http://127.0.0.1:8000/altinn-ui",
			},
			wantMP: "http://127.0.0.1:8000/maskinporten", wantIss: "http://127.0.0.1:8000/maskinporten/",
		},
		{
			name: "env var beats profile", envName: Test,
			over:   URLs{Maskinporten: "https://proxy.example.no/mp"},
			vars:   map[string]string{EnvMaskinportenURL: "https://other.example.no"},
			wantMP: "https://other.example.no", wantIss: "https://other.example.no/",
		},
		{name: "plain http refused off loopback", envName: Test, over: URLs{Altinn: "http://platform.example.no"}, wantErr: "only loopback"},
		{name: "relative refused", envName: Test, over: URLs{SelfService: "/api/v1"}, wantErr: "absolute"},
		{name: "unknown env", envName: "staging", wantErr: "unknown environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Resolve(tt.envName, tt.over, env(tt.vars))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.MaskinportenURL != tt.wantMP || e.Issuer != tt.wantIss || e.Embedded != tt.embedded {
				t.Errorf("got mp=%q iss=%q embedded=%v", e.MaskinportenURL, e.Issuer, e.Embedded)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	ok := []string{"https://x.no", "http://127.0.0.1:1234", "http://[::1]:80/a", "http://localhost:9"}
	bad := []string{"http://10.0.0.1", "ftp://x.no", "x.no", "http://127.0.0.1.example.com",
		"http://evil.localhost:8080", "http://localhost.:9", "http://0.0.0.0:9", "http://[fe80::1%25lo]:9"}
	for _, u := range ok {
		if err := CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
	for _, u := range bad {
		if err := CheckURL(u); err == nil {
			t.Errorf("CheckURL(%q) = nil, want error", u)
		}
	}
}

// Only literal loopback addresses and the name localhost are loopback:
// other names are resolved through DNS, which may point anywhere.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "::ffff:127.0.0.1": true,
		"localhost": true, "LOCALHOST": true,
		"evil.localhost": false, "sandbox.maskinporten.localhost": false, "localhost.": false,
		"localhost.example.com": false, "127.0.0.1.nip.io": false, "0.0.0.0": false, "::": false,
		"10.0.0.1": false, "::1%lo": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestDefaultDirs(t *testing.T) {
	d, err := DefaultDirs(env(map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "relative"}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Config != "/c/systembruker" || d.Data != "/h/.local/share/systembruker" ||
		d.State != "/h/.local/state/systembruker" || d.Cache != "/h/.cache/systembruker" {
		t.Errorf("dirs = %+v", d)
	}
}

func TestProfilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, name, err := f.Profile("")
	if err != nil || name != DefaultProfile {
		t.Fatalf("Profile(\"\") = %q, %v", name, err)
	}
	p.For(Test).ClientID = "abc"
	p.Env = Test
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "config.json"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config.json mode %v", fi.Mode().Perm())
	}
	g, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, _, _ := g.Profile(DefaultProfile)
	if q.For(Test).ClientID != "abc" || q.EnvName("") != Test || q.EnvName(Prod) != Prod {
		t.Errorf("round trip lost data: %+v", q)
	}
	if _, _, err := g.Profile("bad name"); err == nil {
		t.Error("a profile name with a space was accepted")
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{"), 0o600)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("corrupt config: %v", err)
	}
}

func TestSaveLeavesOutEmptySections(t *testing.T) {
	dir := t.TempDir()
	f, _ := Load(dir)
	p, _, _ := f.Profile("ghost")
	p.For(Prod) // opened, never filled
	real, _, _ := f.Profile("acme")
	real.For(Test).OrgNo = "310000000"
	real.For(Prod)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, _ := Load(dir)
	if _, ok := g.Profiles["ghost"]; ok {
		t.Error("an empty profile was saved")
	}
	if envs := g.Profiles["acme"].Envs; len(envs) != 1 || envs[Test] == nil {
		t.Errorf("acme envs = %v, want only test", envs)
	}
}

func TestValidProfileName(t *testing.T) {
	good := []string{"default", "a", "Acme-prod.2", "x_y", strings.Repeat("a", 64)}
	bad := []string{"", "-a", ".a", "a b", "æøå", "a/b", strings.Repeat("a", 65)}
	for _, n := range good {
		if err := ValidProfileName(n); err != nil {
			t.Errorf("ValidProfileName(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		if ValidProfileName(n) == nil {
			t.Errorf("ValidProfileName(%q) = nil, want an error", n)
		}
	}
	// A long name is measured, not echoed.
	if err := ValidProfileName(strings.Repeat("a", 100_000)); err == nil || len(err.Error()) > 100 {
		t.Errorf("ValidProfileName(100 000 characters) = %.200v", err)
	}
}
