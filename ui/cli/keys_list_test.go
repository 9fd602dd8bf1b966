package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

// The table fits 80 columns with the widest cells it shows: a default key
// name with a counter (26 characters; 30 still fit), a 43-character
// thumbprint kid, an expiry and the longest status.
func TestKeysListFits80Columns(t *testing.T) {
	exp := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	long := "default-sandbox-20261202-2"
	keys := []flows.KeyStatus{
		{Info: keystore.Info{Name: long, KID: strings.Repeat("k", 43), Storage: keystore.InKeychainFile, Expires: &exp},
			InUse: true, ExpiresSoon: true},
		{Info: keystore.Info{Name: strings.Repeat("n", 30), KID: "short", Storage: keystore.InFile, Expires: &exp},
			KeyUses: flows.KeyUses{Rotations: []string{"profile a in prod"}}, Expired: true},
		{Info: keystore.Info{Name: "half", Problem: &keystore.Problem{Kind: keystore.ProblemIncomplete}}},
	}
	var out bytes.Buffer
	if err := writeKeyTable(&out, keys); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
	for _, want := range []string{"kkkkkkk…", "in use, expiring", "in use, expired", "half", "incomplete", "2026-12-31"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// A damaged key file and a half-stored key do not hide the other keys:
// both are listed by name, with the file and the fix, and --json shows
// the problem to scripts. keys public refuses the half-stored key, and
// keys delete cleans both up.
func TestKeysListDamagedAndIncomplete(t *testing.T) {
	c := newKeysCLI(t)
	c.mustRun("", "keys", "generate", "--name", "good")
	c.mustRun("", "keys", "generate", "--name", "half")
	dir := filepath.Join(c.dirs.Data, "keys")
	setPending(t, filepath.Join(dir, "half.json"))
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"name": 7`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.useKeyIn(config.Test, "good")

	code, out, errOut := c.run("", "keys", "list")
	if code != ExitOK {
		t.Fatalf("keys list: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"good", "in use", "half", "incomplete", "broken", "damaged"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys list lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{broken, "keys delete broken", "keys delete half"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	var listed []struct {
		Name    string `json:"name"`
		Problem *struct{ Kind, File string }
		UsedBy  []config.KeyUse `json:"used_by"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("", "keys", "list", "--json")), &listed); err != nil || len(listed) != 3 {
		t.Fatalf("--json: %+v, %v", listed, err)
	}
	if p := listed[0].Problem; listed[0].Name != "broken" || p == nil || p.Kind != "damaged" || p.File != broken {
		t.Errorf("--json broken = %+v", listed[0])
	}
	if listed[1].Name != "good" || listed[1].Problem != nil || len(listed[1].UsedBy) != 1 {
		t.Errorf("--json good = %+v", listed[1])
	}
	if p := listed[2].Problem; p == nil || p.Kind != "incomplete" {
		t.Errorf("--json half = %+v", listed[2])
	}

	if code, _, errOut := c.run("", "keys", "public", "half"); code != ExitError || !strings.Contains(errOut, "not completely stored") {
		t.Errorf("keys public of a half-stored key: exit %d\n%s", code, errOut)
	}
	c.mustRun("", "keys", "delete", "half", "--yes")
	c.mustRun("", "keys", "delete", "broken", "--yes")
	c.mustRun("", "keys", "generate", "--name", "half")
	if _, out, _ := c.run("", "keys", "list"); strings.Contains(out, "incomplete") || strings.Contains(out, "broken") {
		t.Errorf("after clean-up:\n%s", out)
	}
}

// setPending marks a key's metadata as a process killed mid-store leaves it.
func setPending(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["pending"] = true
	data, _ = json.Marshal(m)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
