package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
)

// runPlain runs the CLI with a temporary home and no keychain or network use.
func runPlain(t *testing.T, home string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_DATA_HOME": home + "/data"}
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return env[k] },
		Now:    time.Now,
	}
	defer f.Close()
	code := Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

func TestProfileUseListShow(t *testing.T) {
	home := t.TempDir()
	if _, stderr, code := runPlain(t, home, "profile", "use", "acme", "--env", "test"); code != 0 {
		t.Fatalf("profile use: exit %d: %s", code, stderr)
	}
	out, stderr, code := runPlain(t, home, "profile", "list", "--json")
	if code != 0 {
		t.Fatalf("profile list: exit %d: %s", code, stderr)
	}
	var rows []profileRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("profile list --json: %v\n%s", err, out)
	}
	if len(rows) != 1 || rows[0].Name != "acme" || !rows[0].Active || rows[0].Env != "test" {
		t.Errorf("profile list = %+v", rows)
	}
	// The active profile's default environment is now test: its endpoints show.
	out, _, code = runPlain(t, home, "profile", "show", "--json")
	var v profileView
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("profile show: exit %d\n%s", code, out)
	}
	if v.Profile != "acme" || v.Env != "test" || v.URLs.Maskinporten != "https://test.maskinporten.no" {
		t.Errorf("profile show = %+v", v)
	}
}

func TestProfileUseRefusesBadName(t *testing.T) {
	_, stderr, code := runPlain(t, t.TempDir(), "profile", "use", "bad name")
	if code != ExitUsage || !strings.Contains(stderr, "profile name") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// profile show prints one scope a line and says whether a token has
// proven the client and key, with the command that proves them; every
// line fits 80 columns.
func TestProfileShowProofAndScopes(t *testing.T) {
	home := t.TempDir()
	cfg, err := config.Load(filepath.Join(home, "config", config.App))
	if err != nil {
		t.Fatal(err)
	}
	p, _, _ := cfg.Profile("")
	facts := p.For(config.Test)
	*facts = config.EnvProfile{OrgNo: "310000000", ClientID: "c1", KeyName: "k1", KID: "kid1",
		Scopes: []string{"altinn:authentication/systemuser.request.write", "skatteetaten:mvameldingvalidering"}}
	save := func() {
		t.Helper()
		if err := cfg.Save(); err != nil {
			t.Fatal(err)
		}
	}
	save()
	show := func() string {
		t.Helper()
		out, stderr, code := runPlain(t, home, "--env", "test", "profile", "show")
		if code != 0 {
			t.Fatalf("profile show: exit %d: %s", code, stderr)
		}
		for _, l := range strings.Split(out, "\n") {
			if len(l) > 80 {
				t.Errorf("line wider than 80 columns (%d): %q", len(l), l)
			}
		}
		return out
	}
	out := show()
	for _, want := range []string{
		"proven        recorded, not proven (no token yet); prove it with\n" +
			"                systembruker token --scope skatteetaten:mvameldingvalidering\n",
		"scopes        altinn:authentication/systemuser.request.write\n" +
			"              skatteetaten:mvameldingvalidering\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("profile show lacks\n%s\ngot:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[") {
		t.Errorf("profile show prints a Go slice:\n%s", out)
	}

	facts.Proven = &config.Proof{ClientID: "c1", KID: "kid1", At: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	save()
	if out := show(); !strings.Contains(out, "proven        yes, a token was issued on 2026-03-02\n") {
		t.Errorf("a proven set-up:\n%s", out)
	}
}
