// Package cli holds systembruker's commands. Each command is a thin cobra
// wrapper over an options struct and a run function, so that tests drive the
// run function with injected IO, environment and HTTP (the cli/cli pattern).
package cli

import (
	"io"
	"net/http"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

// EnvKeychainService overrides the keychain service name, to keep separate
// key sets (and tests) apart.
const EnvKeychainService = "SYSTEMBRUKER_KEYCHAIN_SERVICE"

// IOStreams are the three standard streams and whether each is a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool
}

// SystemIO returns the process's streams.
func SystemIO() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// CanPrompt reports whether we may ask the user something.
func (f *Factory) CanPrompt() bool {
	return f.IO.InTTY && f.IO.ErrTTY && !f.NoInput
}

// Factory carries what every command needs: streams, the environment, the
// global flags, and a lazily opened runtime (profile, keys, HTTP, sandbox).
type Factory struct {
	IO     *IOStreams
	Getenv func(string) string
	Now    func() time.Time
	// HTTP, when set, replaces the runtime's HTTP client (tests).
	HTTP *http.Client

	// Global flags.
	Env        string
	Profile    string
	Keystore   string
	NoInput    bool
	Yes        bool
	Verbose    bool
	Accessible bool

	runtime *flows.Runtime
}

// NewFactory returns a factory over the process's streams and environment.
func NewFactory() *Factory {
	return &Factory{IO: SystemIO(), Getenv: os.Getenv, Now: time.Now}
}

// Runtime opens the active profile and environment on first use.
func (f *Factory) Runtime() (*flows.Runtime, error) {
	if f.runtime != nil {
		return f.runtime, nil
	}
	dirs, err := config.DefaultDirs(f.Getenv)
	if err != nil {
		return nil, err
	}
	if err := dirs.Tighten(); err != nil {
		return nil, err
	}
	rt, err := flows.Open(flows.Options{
		Dirs:            dirs,
		Env:             f.Env,
		Profile:         f.Profile,
		Keystore:        keystore.Backend(f.Keystore),
		KeychainService: f.Getenv(EnvKeychainService),
		Passphrase:      f.passphrase,
		Getenv:          f.Getenv,
		HTTP:            f.HTTP,
		Now:             f.Now,
	})
	if err != nil {
		return nil, err
	}
	f.runtime = rt
	return rt, nil
}

// Close releases the runtime (stops the embedded sandbox).
func (f *Factory) Close() {
	if f.runtime != nil {
		f.runtime.Close()
		f.runtime = nil
	}
}
