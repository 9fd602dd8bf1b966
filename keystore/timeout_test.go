package keystore

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// hungKeychain never answers until released: a Secret Service stuck behind
// a password prompt. It is the one fake in this package, because a hung
// keychain cannot be produced reliably.
type hungKeychain struct{ release chan struct{} }

func (h hungKeychain) Set(string, string, string) error { <-h.release; return nil }
func (h hungKeychain) Get(string, string) (string, error) {
	<-h.release
	return "too late", nil
}
func (h hungKeychain) Delete(string, string) error { <-h.release; return nil }

func TestKeychainTimeout(t *testing.T) {
	calls := map[string]func(*Store) error{
		"Set":    func(s *Store) error { return s.SetSecret("a", []byte("v")) },
		"Get":    func(s *Store) error { _, err := s.GetSecret("a"); return err },
		"Delete": func(s *Store) error { return s.DeleteSecret("a") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			h := hungKeychain{make(chan struct{})}
			defer close(h.release)
			s, err := Open(Options{Dir: t.TempDir(), Service: "systembruker-test-hung", Timeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			s.kc = h
			done := make(chan error, 1)
			go func() { done <- call(s) }()
			select {
			case err := <-done:
				var ue *UnavailableError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), "did not answer within 20ms") ||
					!strings.Contains(err.Error(), "--keystore file") {
					t.Fatalf("error = %v, want an UnavailableError about the 20ms timeout", err)
				}
			case <-time.After(10 * time.Second):
				// A watchdog, not a speed check: without the timeout the
				// call blocks until h.release is closed.
				t.Fatal("the hung keychain call was not abandoned: Options.Timeout is not enforced")
			}
		})
	}
}

// TestClassify maps go-keyring's errors (messages as quoted in the stack
// research, §4.4) to specific explanations.
func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string // in the message; "" means not an UnavailableError
	}{
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), "is locked"},
		{errors.New("The name org.freedesktop.secrets was not provided by any .service files"), "no Secret Service provider"},
		{&net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")}, "cannot connect to the D-Bus session bus"},
		{&exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, "cannot connect to the D-Bus session bus"},
		{keyring.ErrUnsupportedPlatform, "no OS keychain support"},
		{errors.New("something else"), "the OS keychain failed: something else"},
	}
	for _, tt := range tests {
		err := classify(tt.err)
		var ue *UnavailableError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--keystore file") {
			t.Errorf("classify(%v) = %v, want an UnavailableError saying %q and the file-store fix", tt.err, err, tt.want)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("classify(%v) does not wrap the original error", tt.err)
		}
	}
	// The locked-keyring fix must unlock the running daemon: a bare
	// `gnome-keyring-daemon --unlock` starts a second one instead.
	locked := classify(errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")).Error()
	if !strings.Contains(locked, "gnome-keyring-daemon --replace --daemonize --unlock") {
		t.Errorf("locked-keyring fix %q does not replace the running daemon with an unlocked one", locked)
	}
	if err := classify(keyring.ErrNotFound); err != errKeychainMissing {
		t.Errorf("classify(ErrNotFound) = %v", err)
	}
	if err := classify(keyring.ErrSetDataTooBig); err == nil || errors.As(err, new(*UnavailableError)) {
		t.Errorf("classify(ErrSetDataTooBig) = %v, want a plain error", err)
	}
}

// TestSessionBusFromRuntimeDir: with only $XDG_RUNTIME_DIR/bus, the check
// passes and pins godbus to that socket so it cannot autolaunch.
func TestSessionBusFromRuntimeDir(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the D-Bus check only exists where the keychain is the Secret Service")
	}
	rt, err := os.MkdirTemp("", "rt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rt)
	l, err := net.Listen("unix", filepath.Join(rt, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", rt)
	if err := checkSessionBus(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("unix:path=%s/bus", escapeBusValue(rt))
	if got := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); got != want {
		t.Fatalf("DBUS_SESSION_BUS_ADDRESS = %q, want %q", got, want)
	}
	if got := escapeBusValue("/tmp/a b,c=d"); got != "/tmp/a%20b%2cc%3dd" {
		t.Fatalf("escapeBusValue = %q", got)
	}
}
