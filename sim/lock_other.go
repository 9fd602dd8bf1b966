//go:build !unix

package sim

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// staleLock is the age after which a lock file is taken to be left over by a
// crashed process. Mutations hold the lock for milliseconds.
const staleLock = 30 * time.Second

// lockFile is the fallback where flock is unavailable: the lock is the
// existence of path, created with O_EXCL.
func lockFile(path string) (unlock func(), err error) {
	deadline := time.Now().Add(lockWait)
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, err := os.Stat(path); err == nil && time.Since(info.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, errLocked(path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdLock creates path exclusively, with note in it, until release removes
// it. A file left by a crashed process must be removed by hand: the error
// names it. When the lock is taken, holder is the note its holder wrote.
func holdLock(path, note string) (release func(), holder string, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		data, _ := os.ReadFile(path)
		if len(data) > 200 {
			data = data[:200]
		}
		return nil, string(data), errHeld
	}
	if err != nil {
		return nil, "", err
	}
	f.WriteString(note)
	f.Close()
	return func() { os.Remove(path) }, "", nil
}
