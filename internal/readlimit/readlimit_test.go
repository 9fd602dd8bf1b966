package readlimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAll(t *testing.T) {
	if b, err := All(strings.NewReader("four"), 4, "x"); err != nil || string(b) != "four" {
		t.Errorf("All at the bound = %q, %v", b, err)
	}
	_, err := All(strings.NewReader("fives"), 4, "the password")
	if !errors.Is(err, ErrTooLarge) || err.Error() != "the password is larger than 4 bytes, more than it can be" {
		t.Errorf("All past the bound: %v", err)
	}
}

func TestFile(t *testing.T) {
	// /dev/zero never ends: only the bound stops it.
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	if _, err := File("/dev/zero", 1<<20, "the key file"); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("File(/dev/zero) = %v", err)
	}
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := File(path, 4<<10, "the key file"); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "4 KiB") {
		t.Errorf("File(5000 bytes) = %v", err)
	}
	if b, err := File(path, 5000, "x"); err != nil || len(b) != 5000 {
		t.Errorf("File at the bound = %d bytes, %v", len(b), err)
	}
	if _, err := File(filepath.Join(t.TempDir(), "none"), 10, "x"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("File(missing) = %v", err)
	}
}
