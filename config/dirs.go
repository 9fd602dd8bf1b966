package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// App is the folder name under each base directory.
const App = "systembruker"

// Dirs are the folders systembruker writes to. All are created 0700.
type Dirs struct {
	Config string // profiles (config.json)
	Data   string // key metadata, encrypted key files, sandbox state
	State  string // journal, resumable wizard state
	Cache  string // JWKS and other re-fetchable data
}

// DefaultDirs follows XDG on every OS, as CLI users expect, falling back to
// ~/.config, ~/.local/share, ~/.local/state and ~/.cache (Windows: AppData).
func DefaultDirs(getenv func(string) string) (Dirs, error) {
	home := getenv("HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	base := func(xdg, unixDefault, winEnv string) (string, error) {
		if v := getenv(xdg); v != "" && filepath.IsAbs(v) {
			return filepath.Join(v, App), nil
		}
		if runtime.GOOS == "windows" {
			if v := getenv(winEnv); v != "" {
				return filepath.Join(v, App), nil
			}
		}
		if home == "" {
			return "", errors.New("cannot find a home folder: set HOME or the XDG_*_HOME variables")
		}
		return filepath.Join(home, unixDefault, App), nil
	}
	var d Dirs
	var err error
	if d.Config, err = base("XDG_CONFIG_HOME", ".config", "AppData"); err != nil {
		return d, err
	}
	if d.Data, err = base("XDG_DATA_HOME", filepath.Join(".local", "share"), "LocalAppData"); err != nil {
		return d, err
	}
	if d.State, err = base("XDG_STATE_HOME", filepath.Join(".local", "state"), "LocalAppData"); err != nil {
		return d, err
	}
	if d.Cache, err = base("XDG_CACHE_HOME", ".cache", "LocalAppData"); err != nil {
		return d, err
	}
	if runtime.GOOS == "windows" && getenv("XDG_STATE_HOME") == "" {
		d.State = filepath.Join(d.State, "state")
	}
	if runtime.GOOS == "windows" && getenv("XDG_CACHE_HOME") == "" {
		d.Cache = filepath.Join(d.Cache, "cache")
	}
	return d, nil
}

// All returns the folders, for checks that must look at every one.
func (d Dirs) All() []string { return []string{d.Config, d.Data, d.State, d.Cache} }

// Tighten makes the folders private again when one exists with access for
// group or others (0755 from a loose umask, 0777 from a careless chmod):
// the folder becomes 0700, the folders in it 0700 and the files 0600. A
// private folder costs one stat; one that does not exist yet is left to
// atomicfile, which creates folders 0700.
func (d Dirs) Tighten() error {
	if runtime.GOOS == "windows" {
		return nil // folder access is ACLs there, not mode bits
	}
	for _, dir := range d.All() {
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err == nil {
			err = filepath.WalkDir(dir, tighten)
		}
		if err != nil {
			return fmt.Errorf("cannot make %s private (0700, files 0600): %w; it holds keys and profiles, so fix its owner or mode", dir, err)
		}
	}
	return nil
}

func tighten(path string, e fs.DirEntry, err error) error {
	switch {
	case err != nil:
		return err
	case e.IsDir():
		return os.Chmod(path, 0o700)
	case e.Type().IsRegular():
		return os.Chmod(path, 0o600)
	}
	return nil // a symlink or socket: its target is not ours to change
}
