package keystore

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// keychain is the part of go-keyring the Store uses. It exists as a seam for
// one test: a hung Secret Service cannot be produced reliably, so that test
// injects a keychain that never answers. Everything else uses osKeychain.
type keychain interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// osKeychain is the real OS keychain.
type osKeychain struct{}

func (osKeychain) Set(service, user, password string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Set(service, user, password)
}

func (osKeychain) Get(service, user string) (string, error) {
	if err := checkSessionBus(); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

func (osKeychain) Delete(service, user string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

// UnavailableError means the OS keychain cannot be used here. Error() says
// why and what to do about it, including the opt-in file store.
type UnavailableError struct {
	Reason string // what is wrong, e.g. "no OS keychain reachable (no D-Bus session bus)"
	Fix    string // what the user can do
	Err    error  // the keychain library's error, if any
}

func (e *UnavailableError) Error() string { return e.Reason + ". " + e.Fix }
func (e *UnavailableError) Unwrap() error { return e.Err }

// unlockHint says how to unlock a locked gnome-keyring. WHY this recipe:
// `gnome-keyring-daemon --unlock` alone starts a second daemon and leaves
// the running one locked; --replace takes over from it with the login
// keyring unlocked. The password goes in on stdin without echo and without
// a newline, which --unlock would take as part of it.
const unlockHint = "log in to the desktop session; headless, run " +
	"`read -rs PW && printf %s \"$PW\" | gnome-keyring-daemon --replace --daemonize --unlock >/dev/null; unset PW` " +
	"and type the keyring password"

const fileStoreHint = "use the encrypted file store: --keystore file (passphrase from prompt or SYSTEMBRUKER_PASSPHRASE)"

func errNoBus() error {
	return &UnavailableError{
		Reason: "no OS keychain reachable (no D-Bus session bus)",
		Fix:    "Start one (e.g. `dbus-run-session -- $SHELL` with gnome-keyring running) or " + fileStoreHint,
	}
}

// checkSessionBus fails when Linux/BSD has no D-Bus session bus. WHY: with no
// bus address godbus runs dbus-launch, which starts a dbus-daemon (and through
// activation a gnome-keyring-daemon) that outlive this process; in containers
// that has piled up thousands of daemons. We look where the spec says a
// session bus is announced and, when only $XDG_RUNTIME_DIR/bus exists, pin
// DBUS_SESSION_BUS_ADDRESS to it so godbus uses exactly that socket (godbus
// itself would look in /run/user/<uid> and autolaunch if that is missing).
func checkSessionBus() error {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return nil
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		bus := filepath.Join(rt, "bus")
		if fi, err := os.Stat(bus); err == nil && fi.Mode().Type() == fs.ModeSocket {
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+escapeBusValue(bus))
			return nil
		}
	}
	return errNoBus()
}

// escapeBusValue escapes a D-Bus address value: every byte outside
// [-0-9A-Za-z_/.\*] becomes %XX.
func escapeBusValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z',
			c == '-', c == '_', c == '/', c == '.', c == '\\', c == '*':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// errKeychainMissing is the keychain's "no such item", kept apart from
// ErrNotFound so callers decide what a missing item means.
var errKeychainMissing = errors.New("item not in the OS keychain")

func (s *Store) kcSet(user string, value []byte) error {
	return s.kcCall(func(kc keychain) error { return kc.Set(s.service, user, string(value)) })
}

func (s *Store) kcGet(user string) ([]byte, error) {
	var v string
	err := s.kcCall(func(kc keychain) (err error) {
		v, err = kc.Get(s.service, user)
		return err
	})
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// kcDelete deletes an item; an item that is already gone is not an error.
func (s *Store) kcDelete(user string) error {
	err := s.kcCall(func(kc keychain) error { return kc.Delete(s.service, user) })
	if errors.Is(err, errKeychainMissing) {
		return nil
	}
	return err
}

// kcCall runs one keychain call with the Store's timeout. go-keyring has no
// context, so the call runs in a goroutine that we abandon on timeout. WHY
// abandon rather than wait: a locked collection may wait forever for a prompt
// nobody sees. The goroutine ends whenever the keychain answers; its result
// goes to a buffered channel nobody reads.
func (s *Store) kcCall(f func(keychain) error) error {
	done := make(chan error, 1)
	go func() { done <- f(s.kc) }()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return classify(err)
	case <-timer.C:
		return &UnavailableError{
			Reason: fmt.Sprintf("the OS keychain did not answer within %s (it may be locked and waiting for a password prompt)", s.timeout),
			Fix:    "Unlock it (answer the prompt, or " + unlockHint + ") and try again, or " + fileStoreHint,
		}
	}
}

// classify turns go-keyring's errors into ours. go-keyring passes D-Bus
// errors through as plain text, so some matching is on their messages
// (quoted in the stack research, §4.4).
func classify(err error) error {
	var unavailable *UnavailableError
	var execErr *exec.Error
	var netErr *net.OpError
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case err == nil:
		return nil
	case errors.As(err, &unavailable):
		return err
	case errors.Is(err, keyring.ErrNotFound):
		return errKeychainMissing
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("the OS keychain refused the secret as too big: %w", err)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return &UnavailableError{
			Reason: fmt.Sprintf("no OS keychain support on %s", runtime.GOOS),
			Fix:    "Please " + fileStoreHint, Err: err,
		}
	case strings.Contains(msg, "failed to unlock correct collection"):
		return &UnavailableError{
			Reason: "the OS keychain is locked and could not be unlocked (no password prompt is available)",
			Fix:    "Unlock it (" + unlockHint + ") or " + fileStoreHint,
			Err:    err,
		}
	case strings.Contains(msg, "org.freedesktop.secrets") || strings.Contains(msg, "ServiceUnknown"):
		return &UnavailableError{
			Reason: "no OS keychain reachable (the D-Bus session bus has no Secret Service provider such as gnome-keyring or KeePassXC)",
			Fix:    "Install and start one (Debian/Ubuntu: `apt install gnome-keyring`) or " + fileStoreHint,
			Err:    err,
		}
	case errors.As(err, &execErr), errors.As(err, &netErr), strings.HasPrefix(msg, "dbus:"):
		return &UnavailableError{
			Reason: "no OS keychain reachable (cannot connect to the D-Bus session bus in DBUS_SESSION_BUS_ADDRESS)",
			Fix:    "Start a session bus (e.g. `dbus-run-session -- $SHELL` with gnome-keyring running) or " + fileStoreHint,
			Err:    err,
		}
	default:
		return &UnavailableError{
			Reason: "the OS keychain failed: " + msg,
			Fix:    "If it cannot be used here, " + fileStoreHint,
			Err:    err,
		}
	}
}
