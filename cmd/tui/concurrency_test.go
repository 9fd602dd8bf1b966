package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// bin is the systembruker binary, built once for the package's tests: the
// concurrency tests need real, separate processes.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "systembruker-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "systembruker")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, "go build:", err)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// home is a throw-away HOME for the binary.
func home(t *testing.T) (env []string, configDir string) {
	h := t.TempDir()
	env = append(os.Environ(), "HOME="+h, "XDG_CONFIG_HOME="+filepath.Join(h, "config"),
		"XDG_DATA_HOME="+filepath.Join(h, "data"), "XDG_STATE_HOME="+filepath.Join(h, "state"),
		"XDG_CACHE_HOME="+filepath.Join(h, "cache"), "NO_COLOR=1")
	return env, filepath.Join(h, "config", "systembruker")
}

// Commands that run at the same time all keep what they wrote: ten
// profiles set at once, and three environments of one profile at once.
func TestConcurrentCommandsLoseNoProfileUpdates(t *testing.T) {
	env, configDir := home(t)
	var runs [][]string
	for i := range 10 {
		runs = append(runs, []string{"--profile", fmt.Sprintf("p%d", i), "org", "set", "310000000"})
	}
	for _, e := range []string{"sandbox", "test", "prod"} {
		runs = append(runs, []string{"--profile", "shared", "--env", e, "org", "set", "314240979", "--name", e})
	}
	var wg sync.WaitGroup
	for _, args := range runs {
		wg.Go(func() {
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%v: %v\n%s", args, err, out)
			}
		})
	}
	wg.Wait()

	data, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Profiles map[string]struct {
			Envs map[string]struct {
				OrgNo   string `json:"org_no"`
				OrgName string `json:"org_name"`
			} `json:"envs"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if got := cfg.Profiles[fmt.Sprintf("p%d", i)].Envs["sandbox"].OrgNo; got != "310000000" {
			t.Errorf("profile p%d: org %q, want 310000000 (an update was lost)", i, got)
		}
	}
	for _, e := range []string{"sandbox", "test", "prod"} {
		if got := cfg.Profiles["shared"].Envs[e]; got.OrgNo != "314240979" || got.OrgName != e {
			t.Errorf("profile shared in %s: %+v (an update was lost)", e, got)
		}
	}
}
