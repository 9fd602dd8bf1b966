package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// noKeychain makes the process look like a headless Linux box: no session
// bus address and an empty runtime dir.
func noKeychain(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the D-Bus check only exists where the keychain is the Secret Service")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
}

// TestNoKeychain: without a session bus the keychain store says so, and how
// to fix it, before go-keyring could autolaunch a dbus-daemon.
func TestNoKeychain(t *testing.T) {
	noKeychain(t)
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, Service: "systembruker-test-nobus"})
	if err != nil {
		t.Fatalf("Open must not touch the keychain: %v", err)
	}
	const want = "no OS keychain reachable (no D-Bus session bus). Start one (e.g. `dbus-run-session -- $SHELL` with gnome-keyring running) " +
		"or use the encrypted file store: --keystore file (passphrase from prompt or SYSTEMBRUKER_PASSPHRASE)"
	calls := map[string]func() error{
		"Generate":  func() error { _, err := s.Generate("k", 2048); return err },
		"SetSecret": func() error { return s.SetSecret("a", []byte("v")) },
		"GetSecret": func() error { _, err := s.GetSecret("a"); return err },
	}
	for name, call := range calls {
		err := call()
		var ue *UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("%s: %v, want *UnavailableError", name, err)
		}
		if err.Error() != want {
			t.Errorf("%s error:\n%s\nwant:\n%s", name, err, want)
		}
	}
	// A failed Generate leaves nothing behind.
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v; want empty", list, err)
	}
	if _, err := s.Info("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Info after failed Generate: %v, want ErrNotFound", err)
	}
}

// TestFileBackend: the opt-in store works with no keychain at all, asks for
// the passphrase once per Store, and writes nothing unencrypted.
func TestFileBackend(t *testing.T) {
	noKeychain(t) // proves the file store never needs the keychain
	dir := filepath.Join(t.TempDir(), "keys")
	pass, calls := passphraseSource(testPassphrase)
	s, err := Open(Options{Dir: dir, Backend: File, Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	s.scryptLogN = testScryptLogN
	if calls.Load() != 0 || s.FileStoreExists() {
		t.Fatal("Open must not ask for the passphrase or create the store")
	}
	for _, bits := range []int{2048, 4096} {
		info, err := s.Generate(fmt.Sprintf("k%d", bits), bits)
		if err != nil {
			t.Fatal(err)
		}
		if info.Storage != InFile {
			t.Fatalf("Storage = %q, want %q", info.Storage, InFile)
		}
	}
	if err := s.SetSecret("token", []byte("secret value")); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("passphrase asked %d times, want once per Store", n)
	}
	if !s.FileStoreExists() {
		t.Fatal("identity.age was not created")
	}
	assertClean(t, dir)
	assertPrivate(t, dir)

	s2 := openFileStore(t, dir, testPassphrase)
	for _, name := range []string{"k2048", "k4096"} {
		k, err := s2.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, s2, k)
	}
	if v, err := s2.GetSecret("token"); err != nil || string(v) != "secret value" {
		t.Fatalf("GetSecret = %q, %v", v, err)
	}

	if err := s2.Delete("k2048"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Load("k2048"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete: %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "k2048.age")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("age file after Delete: %v", err)
	}
	if err := s2.DeleteSecret("token"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.GetSecret("token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetSecret after DeleteSecret: %v, want ErrNotFound", err)
	}
}

// TestWrongPassphrase: the wrong passphrase gives ErrWrongPassphrase and
// touches nothing; listing still works because it needs no secrets.
func TestWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	if _, err := openFileStore(t, dir, testPassphrase).Generate("k", 2048); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "identity.age"))

	bad := openFileStore(t, dir, "wrong horse")
	if _, err := bad.Load("k"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Load with a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if _, err := bad.Generate("k2", 2048); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Generate with a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if _, err := bad.Info("k2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a failed Generate left metadata behind: %v", err)
	}
	if list, err := bad.List(); err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want the one key", list, err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "identity.age"))
	if !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed identity.age")
	}
}

// TestFileStoreEmptyPassphrase: an empty passphrase would encrypt to
// nothing worth the name; it is refused with what to do.
func TestFileStoreEmptyPassphrase(t *testing.T) {
	s := openFileStore(t, t.TempDir(), "")
	_, err := s.Generate("k", 2048)
	if err == nil || !strings.Contains(err.Error(), "SYSTEMBRUKER_PASSPHRASE") {
		t.Fatalf("Generate with an empty passphrase: %v", err)
	}
}

// assertPrivate checks that the store created its folders 0700 and files 0600.
func assertPrivate(t *testing.T, dir string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no Unix modes
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
