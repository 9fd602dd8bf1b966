// Package readlimit reads files and streams up to a bound, so that a wrong
// path (/dev/zero, a disk image, a log) is refused with a message instead
// of filling memory.
package readlimit

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// TooLargeError is input longer than its bound.
type TooLargeError struct {
	What string // "the key file", "the password", …
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, more than it can be", e.What, Size(e.Max))
}

// ErrTooLarge matches every TooLargeError with errors.Is.
var ErrTooLarge = errors.New("input too large")

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// All reads r to its end, or fails with a *TooLargeError after max bytes.
func All(r io.Reader, max int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{What: what, Max: max}
	}
	return data, nil
}

// File reads the file at path like All. A regular file is refused by its
// size before it is read.
func File(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > max {
		return nil, &TooLargeError{What: what, Max: max}
	}
	return All(f, max, what)
}

// Size writes a byte count as people read it: 1 MiB, 4 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
