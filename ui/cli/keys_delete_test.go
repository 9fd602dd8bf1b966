package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
)

// runTTY runs a command as if stdin and stderr were a terminal, with the
// typed answers on stdin.
func (c *keysCLI) runTTY(answers string, args ...string) (code int, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(answers), Out: &out, ErrOut: &errOut, InTTY: true, ErrTTY: true},
		Getenv: func(k string) string { return c.env[k] },
		Now:    time.Now,
	}
	defer f.Close()
	code = Run(context.Background(), f, append([]string{"--keystore", "file"}, args...))
	return code, errOut.String()
}

// useKeyIn makes the default profile name key in env, as client use would.
func (c *keysCLI) useKeyIn(env, key string) {
	c.t.Helper()
	cfg, err := config.Load(c.dirs.Config)
	if err != nil {
		c.t.Fatal(err)
	}
	p, _, _ := cfg.Profile("")
	p.For(env).KeyName = key
	if err := cfg.Save(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *keysCLI) keyExists(name string) bool {
	_, err := os.Stat(filepath.Join(c.dirs.Data, "keys", name+".json"))
	return err == nil
}

// Who must type the key's name: every key in use anywhere (here: in prod,
// while the command runs in the sandbox) and every key deleted in prod.
// A y, a wrong name or --yes alone deletes nothing.
func TestKeysDeleteConfirmation(t *testing.T) {
	tests := []struct {
		name    string
		usedIn  string // environment whose profile section names the key
		args    []string
		tty     bool
		answer  string
		code    int
		deleted bool
		says    []string
	}{
		{name: "spare key, y", tty: true, answer: "y\n", code: ExitOK, deleted: true, says: []string{"[y/N]"}},
		{name: "spare key in prod, y is not its name", args: []string{"--env", "prod"}, tty: true, answer: "y\n",
			code: ExitCancelled, says: []string{"PROD", "Type the key's name (k)"}},
		{name: "spare key in prod, name typed", args: []string{"--env", "prod"}, tty: true, answer: "k\n",
			code: ExitOK, deleted: true},
		{name: "spare key in prod, --yes", args: []string{"--env", "prod", "--yes"}, code: ExitOK, deleted: true},
		{name: "used in prod, y", usedIn: config.Prod, tty: true, answer: "y\n", code: ExitCancelled,
			says: []string{"PROD", "profile default in prod (signing key)", "Type the key's name (k)"}},
		{name: "used in prod, --yes on a terminal still asks", usedIn: config.Prod, args: []string{"--yes"}, tty: true,
			answer: "\n", code: ExitCancelled, says: []string{"Type the key's name"}},
		{name: "used in prod, --yes without a terminal", usedIn: config.Prod, args: []string{"--yes"}, code: ExitError,
			says: []string{"key k is in use: by profile default in prod", "--force"}},
		{name: "used in test, name typed", usedIn: config.Test, tty: true, answer: "k\n", code: ExitOK, deleted: true,
			says: []string{"profile default in test"}},
		{name: "used in prod, --force", usedIn: config.Prod, args: []string{"--force"}, code: ExitOK, deleted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newKeysCLI(t)
			c.mustRun("", "keys", "generate", "--name", "k")
			if tt.usedIn != "" {
				c.useKeyIn(tt.usedIn, "k")
			}
			args := append([]string{"keys", "delete", "k"}, tt.args...)
			var code int
			var errOut string
			if tt.tty {
				code, errOut = c.runTTY(tt.answer, args...)
			} else {
				code, _, errOut = c.run("", args...)
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, errOut)
			}
			if c.keyExists("k") == tt.deleted {
				t.Errorf("key deleted = %v, want %v\n%s", !tt.deleted, tt.deleted, errOut)
			}
			for _, s := range tt.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if tt.deleted && tt.usedIn != "" {
				cfg, _ := config.Load(c.dirs.Config)
				if uses := cfg.KeyUsers("k"); len(uses) != 0 {
					t.Errorf("the profile still names the deleted key: %v", uses)
				}
			}
		})
	}
}

// An unfinished rotation is named where it matters: keys delete counts it
// as a use of its keys, and client use warns that the rotation will stop
// (before anything else: here it then stops at the unknown key, offline).
func TestUnfinishedRotationIsNamed(t *testing.T) {
	c := newKeysCLI(t)
	c.mustRun("", "keys", "generate", "--name", "k")
	state := filepath.Join(c.dirs.State, "rotation-default-test.json")
	if err := os.MkdirAll(c.dirs.State, 0o700); err != nil {
		t.Fatal(err)
	}
	rot := `{"client_id": "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e", "old_key": "k", "old_kid": "x",
		"new_key": "n", "step": "switched", "started": "2026-03-02T09:30:00Z"}`
	if err := os.WriteFile(state, []byte(rot), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := c.run("", "keys", "delete", "k", "--yes")
	if code != ExitError || !strings.Contains(errOut, "the unfinished key rotation of profile default in test") || !c.keyExists("k") {
		t.Errorf("keys delete of a key in an unfinished rotation: exit %d\n%s", code, errOut)
	}
	_, _, errOut = c.run("", "--env", "test", "client", "use", "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e", "--key", "nope")
	if !strings.Contains(errOut, "key rotation of client 0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e (key k to n) is unfinished") ||
		!strings.Contains(errOut, "keys rotate --abandon") {
		t.Errorf("client use did not name the unfinished rotation:\n%s", errOut)
	}
}
