package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A held lock makes a second Acquire (here on its own file handle, as in
// another process) wait and then give ErrBusy; once released it is free.
func TestAcquire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.lock")
	release, err := Acquire(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, mode %v; want 0600", err, fi.Mode())
	}
	for _, wait := range []time.Duration{0, 50 * time.Millisecond} {
		if _, err := Acquire(path, wait); !errors.Is(err, ErrBusy) {
			t.Errorf("Acquire(wait %s) while held = %v, want ErrBusy", wait, err)
		}
	}
	release()
	again, err := Acquire(path, 0)
	if err != nil {
		t.Fatalf("Acquire after release: %v", err)
	}
	again()
}
