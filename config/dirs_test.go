package config

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestTighten(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits mean nothing on Windows")
	}
	base := t.TempDir()
	d := Dirs{
		Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data"),
		State: filepath.Join(base, "state"), Cache: filepath.Join(base, "not-made-yet"),
	}
	mk := func(path string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	mk(d.Config, 0o755)
	write(filepath.Join(d.Config, "config.json"), 0o644)
	mk(filepath.Join(d.Data, "keys"), 0o777)
	mk(d.Data, 0o777)
	write(filepath.Join(d.Data, "keys", "k.json"), 0o666)
	mk(d.State, 0o700)
	write(filepath.Join(d.State, "left-alone"), 0o644) // a private folder is not walked

	if err := d.Tighten(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		d.Config: 0o700, filepath.Join(d.Config, "config.json"): 0o600,
		d.Data: 0o700, filepath.Join(d.Data, "keys"): 0o700, filepath.Join(d.Data, "keys", "k.json"): 0o600,
		d.State: 0o700, filepath.Join(d.State, "left-alone"): 0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	if _, err := os.Stat(d.Cache); !os.IsNotExist(err) {
		t.Errorf("Tighten created %s: %v", d.Cache, err)
	}
}
