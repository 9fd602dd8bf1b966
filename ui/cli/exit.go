package cli

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes. They are part of the interface: scripts depend on them, and
// README documents them.
const (
	ExitOK           = 0
	ExitError        = 1
	ExitUsage        = 2
	ExitNoSystemUser = 3 // Maskinporten says there is no system user for that customer
	ExitCancelled    = 130
)

var errCancelled = errors.New("cancelled")

// usageError marks bad flags or arguments (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCoder is implemented by errors that choose their own exit code.
type exitCoder interface{ ExitCode() int }

// noSystemUser is implemented by api/maskinporten errors for MP-303.
type noSystemUser interface{ NoSystemUser() bool }

// hinter is implemented by errors that know the user's next step.
type hinter interface{ Hint() string }

// verboser is implemented by errors that keep the raw server answer for
// --verbose (never a secret: no assertions, no tokens).
type verboser interface{ Verbose() string }

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	var ec exitCoder
	var nsu noSystemUser
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errCancelled), errors.Is(err, context.Canceled):
		return ExitCancelled
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &nsu) && nsu.NoSystemUser():
		return ExitNoSystemUser
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return ExitError
}

// hintOf finds the first next-step hint in an error chain.
func hintOf(err error) string {
	var h hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
