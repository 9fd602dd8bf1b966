package config

import (
	"errors"
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
