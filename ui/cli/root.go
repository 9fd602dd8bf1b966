package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/config"
)

// Version is set at build time with -ldflags "-X .../ui/cli.Version=v1.2.3".
var Version = "dev"

// Main runs the command line and returns the exit code.
func Main(args []string) int {
	f := NewFactory()
	defer f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, f, args)
}

// Run executes args against f; tests call it with injected streams.
func Run(ctx context.Context, f *Factory, args []string) int {
	root := newRootCmd(f, args)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		err = errCancelled
	}
	if !errors.Is(err, errCancelled) {
		f.printError(err)
	}
	return ExitCode(err)
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *Factory) *cobra.Command { return newRootCmd(f, nil) }

// newRootCmd builds the tree for args. When the first argument names a
// top-level command, only that command is built: a cold process spends
// about 0.1 ms constructing the rest, which `systembruker token` (timed
// against a minimal program) should not pay. Anything else — help,
// completion, flags first — gets the whole tree.
func newRootCmd(f *Factory, args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "systembruker",
		Short: "From an org number to a working Altinn system-user token",
		Long: `systembruker takes an end-user system vendor (sluttbrukersystemleverandør)
from nothing to a working Altinn system-user token: RSA keys in the OS
keychain, a Maskinporten client, the system register, systembruker requests
to customers, and tokens. Run it without arguments for the guided wizard;
every wizard step is also a command.

Environments: sandbox (default; an embedded simulator, no credentials
needed), test (test.maskinporten.no + TT02) and prod.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return f.checkGlobals()
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWizard(cmd.Context(), f)
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&f.Env, "env", "", "environment: sandbox, test or prod (default: the profile's, else sandbox)")
	pf.StringVar(&f.Profile, "profile", "", "profile to use (default: the active profile)")
	pf.StringVar(&f.Keystore, "keystore", "", `where secrets live: "keychain" (default) or "file" (age-encrypted, passphrase)`)
	pf.BoolVar(&f.NoInput, "no-input", false, "never prompt; fail with the flag to pass instead")
	pf.BoolVarP(&f.Yes, "yes", "y", false, "confirm writes without asking (also in prod)")
	pf.BoolVarP(&f.Verbose, "verbose", "v", false, "show raw server answers on errors")
	pf.BoolVar(&f.Accessible, "accessible", false, "plain line-by-line prompts for screen readers (also ACCESSIBLE=1)")

	if len(args) > 0 && subcommands[args[0]] != nil {
		root.AddCommand(subcommands[args[0]](f))
		return root
	}
	for _, name := range slices.Sorted(maps.Keys(subcommands)) {
		root.AddCommand(subcommands[name](f))
	}
	return root
}

// subcommands holds the top-level command constructors by name; each lives
// in its own file and registers itself.
var subcommands = map[string]func(*Factory) *cobra.Command{}

func register(name string, newCmd func(*Factory) *cobra.Command) { subcommands[name] = newCmd }

func (f *Factory) checkGlobals() error {
	if f.Env != "" {
		if _, err := config.Builtin(f.Env); err != nil {
			return usageError{err}
		}
	}
	switch f.Keystore {
	case "", "keychain", "file":
	default:
		return usageErrorf("--keystore must be \"keychain\" or \"file\", not %q", f.Keystore)
	}
	if f.Profile != "" {
		if err := config.ValidProfileName(f.Profile); err != nil {
			return usageError{err}
		}
	}
	if f.Getenv("ACCESSIBLE") != "" || f.Getenv("TERM") == "dumb" {
		f.Accessible = true
	}
	return nil
}

// flagError makes a flag parsing error a usage error. pflag quotes the
// offending value, and a key given as a value (or as an argument: `token
// inspect "$(cat key.pem)"` reads as a flag) must not be printed back;
// printError would redact it, but the user deserves to hear why it failed.
func flagError(cmd *cobra.Command, err error) error {
	if strings.Contains(err.Error(), "-----BEGIN") {
		return usageErrorf("an argument is a key (-----BEGIN …), which is not a flag: never put a key on the command line, "+
			"where shell history and the process list keep it; give a file's name, or pipe it on stdin (see `%s --help`)", cmd.CommandPath())
	}
	return usageError{fmt.Errorf("%w (see `%s --help`)", err, cmd.CommandPath())}
}

// unknownCommand rejects arguments to the root (which opens the wizard) as a
// usage error that suggests the command the user probably meant.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q?", s[0])
	}
	return usageErrorf("%s (see `systembruker --help`)", msg)
}
