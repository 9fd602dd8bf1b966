package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A folder found open (a loose umask, a careless chmod) is made private again
// by the next command, with its files.
func TestOpenFoldersAreTightened(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits mean nothing on Windows")
	}
	h := newHarness(t)
	h.mustRun("org", "set", "310000000")
	cfg := filepath.Join(h.dirs.Config, "config.json")
	if err := os.Chmod(h.dirs.Config, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	h.mustRun("profile", "list")
	for path, want := range map[string]os.FileMode{h.dirs.Config: 0o700, cfg: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %o", path, fi.Mode().Perm(), err, want)
		}
	}
}
