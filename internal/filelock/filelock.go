// Package filelock serialises processes on a lock file beside the state they
// change. The lock is an OS file lock (flock, LockFileEx), so it is released
// when its holder exits, even by SIGKILL: a stale lock file holds nothing.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// ErrBusy means another process held the lock for the whole wait.
var ErrBusy = errors.New("locked by another process")

// retry is how often a waiting process tries again.
const retry = 20 * time.Millisecond

// Acquire takes the exclusive lock on path (created 0600, its folder 0700),
// waiting at most wait (0: not at all). The error wraps ErrBusy if the lock
// stayed taken. Call release when done.
func Acquire(path string, wait time.Duration) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	l := flock.New(path, flock.SetPermissions(0o600))
	var ok bool
	if wait <= 0 {
		ok, err = l.TryLock()
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		ok, err = l.TryLockContext(ctx, retry)
		if errors.Is(err, context.DeadlineExceeded) {
			ok, err = false, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		l.Close()
		return nil, fmt.Errorf("%s: %w", path, ErrBusy)
	}
	return func() { l.Unlock() }, nil
}
