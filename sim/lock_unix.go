//go:build unix

package sim

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock on path (created 0600 if missing). The
// lock lives on a separate file because the state file itself is replaced by
// rename on every write, and a lock on a replaced inode protects nothing.
// flock locks belong to the open file, so two stores in one process exclude
// each other too.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(lockWait)
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				unix.Flock(fd, unix.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, err
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, errLocked(path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdLock takes an exclusive flock on path (created 0600 if missing)
// without waiting, and writes note into the file for whoever finds it taken.
// It is held until release, which empties the file but leaves it: removing
// a file that others may have open would let two processes lock two inodes.
// When the lock is taken, holder is the note its holder wrote.
func holdLock(path, note string) (release func(), holder string, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", err
	}
	fd := int(f.Fd())
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		data, _ := io.ReadAll(io.LimitReader(f, 200))
		f.Close()
		return nil, string(data), errHeld
	}
	if err != nil {
		f.Close()
		return nil, "", err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, "", err
	}
	f.WriteAt([]byte(note), 0) // the note only helps the message of the next one
	return func() {
		f.Truncate(0)
		unix.Flock(fd, unix.LOCK_UN)
		f.Close()
	}, "", nil
}
