// Package keychaintest gates the tests that use the real OS keychain. It
// imports nothing of the module, so the keystore's own tests can use it.
package keychaintest

import (
	"os"
	"testing"
)

// Env is set to "1" by scripts/test-in-session.sh, which runs the tests in a
// private D-Bus session with an unlocked, throw-away gnome-keyring.
const Env = "SYSTEMBRUKER_TEST_KEYCHAIN"

// Available reports whether the real keychain was set up for the tests.
func Available() bool { return os.Getenv(Env) == "1" }

// Require skips the test unless the real keychain was set up for it.
func Require(t testing.TB) {
	t.Helper()
	if !Available() {
		t.Skip("needs the real OS keychain: run under make test " +
			"(or dbus-run-session -- scripts/test-in-session.sh ./...)")
	}
}
