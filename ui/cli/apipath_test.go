package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/internal/keychaintest"
)

// TestAPIPathScript runs scripts/api-path.sh: the whole API path of
// Maskinporten onboarding in the embedded sandbox, from a clean home, as
// separate processes of the real binary, so the sandbox's state, the
// profile and the keychain must carry over between runs as they do for a
// user.
//
// The binary uses the default keychain service (nothing can change it from
// outside), so the test runs only inside the throw-away keyring of
// scripts/test-in-session.sh, and deletes its keys at the end.
func TestAPIPathScript(t *testing.T) {
	keychaintest.Require(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on this machine")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is needed to build the binary: ", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "systembruker")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/tui")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	home := filepath.Join(tmp, "home")
	env := cleanEnv(os.Environ())
	env = append(env,
		"SB="+bin,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"NO_COLOR=1",
	)
	t.Cleanup(func() { deleteBinaryKeys(t, bin, env) })

	cmd := exec.Command(bash, filepath.Join(root, "scripts", "api-path.sh"))
	cmd.Dir = tmp
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/api-path.sh: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "api-path: OK") {
		t.Errorf("the script did not reach its end:\n%s", out.String())
	}
}

// cleanEnv drops what would point the binary elsewhere than its own clean
// home and embedded sandbox.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || strings.HasPrefix(k, "XDG_") && k != "XDG_RUNTIME_DIR" || strings.HasPrefix(k, "SYSTEMBRUKER_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// deleteBinaryKeys removes every key the script made, keychain items
// included, with the binary itself.
func deleteBinaryKeys(t *testing.T, bin string, env []string) {
	list := exec.Command(bin, "keys", "list", "--json")
	list.Env = env
	data, err := list.Output()
	if err != nil {
		t.Errorf("cleanup: keys list: %v", err)
		return
	}
	var keys []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	for _, k := range keys {
		del := exec.Command(bin, "keys", "delete", k.Name, "--force", "--yes")
		del.Env = env
		if out, err := del.CombinedOutput(); err != nil {
			t.Errorf("cleanup: keys delete %s: %v\n%s", k.Name, err, out)
		}
	}
}
