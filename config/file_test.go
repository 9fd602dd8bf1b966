package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/internal/filelock"
)

// TestSaveKeepsOtherWritersChanges is two commands that loaded the same
// file and each changed a different field: both changes survive, and a
// field one of them cleared stays cleared.
func TestSaveKeepsOtherWritersChanges(t *testing.T) {
	dir := t.TempDir()
	seed, _ := Load(dir)
	p, _, _ := seed.Profile("acme")
	p.For(Test).OrgNo = "310000000"
	p.For(Test).KeyName = "old"
	p.For(Test).Scopes = []string{"a:b"}
	if err := seed.Save(); err != nil {
		t.Fatal(err)
	}

	a, _ := Load(dir)
	b, _ := Load(dir)
	pa, _, _ := a.Profile("acme")
	pa.For(Test).ClientID = "client-a"
	pa.For(Test).KeyName = "" // removed by a
	pb, _, _ := b.Profile("acme")
	pb.For(Test).Scopes = []string{"c:d", "e:f"}
	pb.For(Prod).OrgNo = "310000001"
	nb, _, _ := b.Profile("other")
	nb.For(Sandbox).SystemID = "sys"
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(); err != nil { // b's copy is stale: it must not undo a's changes
		t.Fatal(err)
	}
	// a saves again after changing one more field: b's changes stay.
	pa.For(Test).OrgName = "Acme AS"
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}

	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	test := got.Profiles["acme"].Envs[Test]
	if test.ClientID != "client-a" || test.KeyName != "" || test.OrgNo != "310000000" || test.OrgName != "Acme AS" ||
		strings.Join(test.Scopes, ",") != "c:d,e:f" {
		t.Errorf("acme/test = %+v", *test)
	}
	if e := got.Profiles["acme"].Envs[Prod]; e == nil || e.OrgNo != "310000001" {
		t.Errorf("acme/prod = %+v", e)
	}
	if e := got.Profiles["other"].Envs[Sandbox]; e == nil || e.SystemID != "sys" {
		t.Errorf("other/sandbox = %+v", e)
	}
}

func TestMerge(t *testing.T) {
	m := func(kv ...any) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name               string
		base, mine, theirs any
		want               any
	}{
		{"untouched keeps theirs", m("a", "1"), m("a", "1"), m("a", "2"), m("a", "2")},
		{"changed wins", m("a", "1"), m("a", "3"), m("a", "2"), m("a", "3")},
		{"removed is removed", m("a", "1", "b", "x"), m("b", "x"), m("a", "2", "b", "x"), m("b", "x")},
		{"added next to theirs", m(), m("a", "1"), m("b", "2"), m("a", "1", "b", "2")},
		{"nested field by field", m("p", m("x", "1", "y", "1")), m("p", m("x", "9", "y", "1")),
			m("p", m("x", "1", "y", "7")), m("p", m("x", "9", "y", "7"))},
		{"list replaced whole", m("l", []any{"a"}), m("l", []any{"a", "b"}), m("l", []any{"c"}), m("l", []any{"a", "b"})},
		{"new field of any type", m(), m("proven", true), m("x", "1"), m("proven", true, "x", "1")},
		{"theirs file missing", m(), m("a", "1"), nil, m("a", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := merge(tt.base, tt.mine, tt.theirs)
			if g, w := fmtJSON(t, got), fmtJSON(t, tt.want); g != w {
				t.Errorf("merge = %s, want %s", g, w)
			}
		})
	}
}

func TestSaveWaitsForTheLockThenSaysWho(t *testing.T) {
	dir := t.TempDir()
	f, _ := Load(dir)
	release, err := filelock.Acquire(f.Path()+".lock", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func(w time.Duration) { lockWait = w }(lockWait)
	lockWait = 100 * time.Millisecond
	p, _, _ := f.Profile("")
	p.Env = Test
	err = f.Save()
	if err == nil || !strings.Contains(err.Error(), "another systembruker command") {
		t.Fatalf("Save under a held lock = %v", err)
	}
	if _, statErr := os.Stat(f.Path()); statErr == nil {
		t.Error("config.json was written without the lock")
	}
	release()
	if err := f.Save(); err != nil {
		t.Fatalf("Save after release = %v", err)
	}
}

func TestLoadNamesTheFieldOfTheWrongType(t *testing.T) {
	tests := []struct{ json, want string }{
		{`{"profiles":{"acme":{"envs":{"test":{"org_no":310000000}}}}}`, "line 1: the field profiles.envs.org_no holds a number where text"},
		{`{"profiles":{"acme":{"envs":{"test":{"scopes":"a:b"}}}}}`, "scopes holds text where a list"},
		{`{"active_profile":["x"]}`, "active_profile holds a list where text"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(tt.json), 0o600)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("Load(%s) = %v, want %q", tt.json, err, tt.want)
		}
	}
}

func TestKeyUsers(t *testing.T) {
	f, _ := Load(t.TempDir())
	a, _, _ := f.Profile("a")
	a.For(Sandbox).KeyName = "k"
	a.For(Prod).AdminKey = "k"
	b, _, _ := f.Profile("b")
	b.For(Test).KeyName = "other"
	got := f.KeyUsers("k")
	if len(got) != 2 || got[0] != (KeyUse{"a", Sandbox, false}) || got[1] != (KeyUse{"a", Prod, true}) || !UsesProd(got) {
		t.Errorf("KeyUsers = %v", got)
	}
	f.ForgetKey("k")
	if got := f.KeyUsers("k"); len(got) != 0 || UsesProd(got) {
		t.Errorf("after ForgetKey: %v", got)
	}
}

func fmtJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
