package main

import (
	"crypto/rand"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/internal/filelock"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
)

// A rotation refuses to start while another process rotates the same
// profile and environment: here the other process is this test, holding
// the rotation's lock file.
func TestRotationLockedByAnotherProcess(t *testing.T) {
	keychaintest.Require(t)
	env, configDir := home(t)
	base := filepath.Dir(filepath.Dir(configDir))
	service := "systembruker-test-" + rand.Text()
	env = append(env, "SYSTEMBRUKER_KEYCHAIN_SERVICE="+service)
	t.Cleanup(func() {
		simtest.DeleteKeys(t, keystore.Options{Dir: filepath.Join(base, "data", "systembruker", "keys"), Service: service})
	})
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("keys", "generate", "--name", "k"); err != nil {
		t.Fatalf("keys generate: %v\n%s", err, out)
	}
	if out, err := run("client", "create", "--name", "lock test", "--key", "k", "--yes"); err != nil {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	release, err := filelock.Acquire(filepath.Join(base, "state", "systembruker", "rotation-default-sandbox.lock"), 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run("keys", "rotate", "--yes")
	release()
	if err == nil || !strings.Contains(out, "another key rotation of profile default in sandbox is running") {
		t.Fatalf("keys rotate under another's lock: %v\n%s", err, out)
	}
	if out, err := run("keys", "rotate", "--yes"); err != nil {
		t.Fatalf("keys rotate after the lock was released: %v\n%s", err, out)
	}
}
