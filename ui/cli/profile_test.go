package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
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
