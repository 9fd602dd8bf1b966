package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/cmdhint"
	"github.com/systembruker/systembruker/internal/redact"
	"github.com/systembruker/systembruker/internal/termsafe"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/ui/styles"
)

// palette styles messages on stderr. Colour is dropped by the writer
// (NO_COLOR, pipes), so styled text is always safe to print. It is built on
// first use: a token fetch that prints only the token never needs it.
var palette = sync.OnceValue(func() *styles.Styles { return styles.New(true) })

// printJSON writes v as indented JSON on w: the --json contract. Values
// from servers and tokens keep every character; the few that a terminal
// would run as controls are written as \u escapes (termsafe.JSON).
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

// row writes one table row for a tabwriter: each cell made one safe line,
// since cells hold server text (names, descriptions, kids), where an escape
// sequence would reach the terminal and a tab or newline would break the
// table.
func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, termsafe.Line(c))
	}
	io.WriteString(w, "\n")
}

// maxMessage bounds one message: ours are a few lines, so anything longer
// quotes something that was pasted by mistake.
const maxMessage = 2000

// message makes the text of a message safe to show: it may quote a server,
// a token, a file or what the user typed, so control sequences go and key
// material, tokens and overlong values are never echoed.
func message(format string, args ...any) string {
	s := redact.Secrets(termsafe.Text(fmt.Sprintf(format, args...)))
	if r := []rune(s); len(r) > maxMessage {
		s = fmt.Sprintf("%s… (%d more characters)", string(r[:maxMessage]), len(r)-maxMessage)
	}
	return s
}

// infof writes a message for people on stderr, never on stdout, so data on
// stdout stays clean for pipes.
func (f *Factory) infof(format string, args ...any) {
	lipgloss.Fprintln(f.IO.ErrOut, f.commands(message(format, args...)))
}

// successf writes "✓ message" on stderr.
func (f *Factory) successf(format string, args ...any) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.OK.Render(styles.GlyphOK)+" "+f.commands(message(format, args...)))
}

// warnf writes "! message" on stderr.
func (f *Factory) warnf(format string, args ...any) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.Warn.Render(styles.GlyphWarn+" "+f.commands(message(format, args...))))
}

// printError writes an error and its next step on stderr.
func (f *Factory) printError(err error) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.Err.Render(styles.GlyphErr+" Error:")+" "+f.commands(message("%s", err)))
	if h := hintOf(err); h != "" {
		lipgloss.Fprintln(f.IO.ErrOut, "  "+s.Muted.Render("→")+" "+f.commands(message("%s", h)))
	}
	var v verboser
	if f.Verbose && errors.As(err, &v) && v.Verbose() != "" {
		// A server's raw answer, whole (the api clients already took the
		// tokens out), but never with its control sequences.
		lipgloss.Fprintln(f.IO.ErrOut, s.Muted.Render(termsafe.Text(v.Verbose())))
	}
}

// commands adds to the commands a message suggests the global flags they
// need to act on the same profile, environment and key store as this one
// (see cmdhint). Before the runtime is open (bad flags, a broken
// config.json), the valid global flags the user gave stand in for it.
func (f *Factory) commands(msg string) string {
	if f.runtime != nil {
		return f.runtime.CommandFlags().Apply(msg)
	}
	var fl cmdhint.Flags
	if _, err := config.Builtin(f.Env); err == nil {
		fl.Env = f.Env
	}
	if config.ValidProfileName(f.Profile) == nil {
		fl.Profile = f.Profile
	}
	if f.Keystore == string(keystore.File) {
		fl.Keystore = f.Keystore
	}
	return fl.Apply(msg)
}
