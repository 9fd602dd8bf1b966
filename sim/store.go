package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// store holds the state, optionally persisted to a JSON file.
//
// Copy-on-write: the published *stateData is never changed in place, so a
// snapshot can be read without locks. mutate copies, changes the copy and
// publishes it.
//
// Several processes may share one file (two CLI processes each embedding the
// sandbox). A mutation therefore takes an exclusive file lock, reloads the
// file, applies the change and writes the file atomically before unlocking:
// no update is lost. Readers reload when the file changed on disk.
type store struct {
	path string // "" = memory only

	mu   sync.Mutex
	cur  *stateData
	info fs.FileInfo // of the file cur was read from or written to
}

// openStore loads path, or seeds a new state (and writes it, if path is set).
func openStore(path string, now time.Time) (*store, error) {
	s := &store{path: path}
	if path == "" {
		s.cur = seedState(now)
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, info, err := readStateFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = seedState(now)
		if info, err = writeStateFile(path, st); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	s.cur, s.info = st, info
	return s, nil
}

// snapshot returns the current state. Callers must not modify it.
func (s *store) snapshot() *stateData {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		return s.cur
	}
	info, err := os.Stat(s.path)
	if err != nil || !changed(s.info, info) {
		// A vanished file keeps the last state; the next mutation rewrites it.
		return s.cur
	}
	if st, info, err := readStateFile(s.path); err == nil {
		s.cur, s.info = st, info
	}
	return s.cur
}

// mutate applies fn to a fresh copy of the state and publishes the copy if fn
// succeeds. fn's error is returned unchanged, so handlers can pass typed
// errors through.
func (s *store) mutate(fn func(*stateData) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		next := s.cur.clone()
		if err := fn(next); err != nil {
			return err
		}
		s.cur = next
		return nil
	}
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	next, _, err := readStateFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		next, err = s.cur.clone(), nil
	}
	if err != nil {
		return err
	}
	if err := fn(next); err != nil {
		return err
	}
	info, err := writeStateFile(s.path, next)
	if err != nil {
		return err
	}
	s.cur, s.info = next, info
	return nil
}

// changed reports whether the file was replaced since old was taken. Every
// write renames a new file into place, so a different inode is the precise
// signal; size and mtime catch file systems without stable inodes.
func changed(old, cur fs.FileInfo) bool {
	return old == nil || !os.SameFile(old, cur) || cur.Size() != old.Size() || !cur.ModTime().Equal(old.ModTime())
}

func readStateFile(path string) (*stateData, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	st := new(stateData)
	if err := json.NewDecoder(f).Decode(st); err != nil {
		return nil, nil, fmt.Errorf("sim: state file %s is not valid JSON (%v): delete it to start again from the seed data", path, err)
	}
	if st.Version != stateVersion {
		return nil, nil, fmt.Errorf("sim: state file %s has version %d, this simulator reads version %d: delete it to start again from the seed data", path, st.Version, stateVersion)
	}
	st.fillMaps()
	return st, info, nil
}

func writeStateFile(path string, st *stateData) (fs.FileInfo, error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return nil, fmt.Errorf("sim: save state: %w", err)
	}
	return os.Stat(path)
}

// writeFileAtomic replaces path with data (mode 0600, folders 0700) so that
// neither a crash nor a concurrent reader ever sees a half-written file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lockWait bounds how long a mutation waits for another process's lock, so
// that a hung peer produces an error instead of a hung request.
const lockWait = 10 * time.Second

// errHeld reports a lock that holdLock found taken.
var errHeld = errors.New("held by another process")

func errLocked(path string) error {
	return fmt.Errorf("sim: %s has been locked by another process for more than %v: stop the other simulator or remove the lock file", path, lockWait)
}
