package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/ui/styles"
)

// palette styles messages on stderr. Colour is dropped by the writer
// (NO_COLOR, pipes), so styled text is always safe to print. It is built on
// first use: a token fetch that prints only the token never needs it.
var palette = sync.OnceValue(func() *styles.Styles { return styles.New(true) })

// printJSON writes v as indented JSON on w: the --json contract.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// infof writes a message for people on stderr, never on stdout, so data on
// stdout stays clean for pipes.
func (f *Factory) infof(format string, args ...any) {
	lipgloss.Fprintln(f.IO.ErrOut, fmt.Sprintf(format, args...))
}

// successf writes "✓ message" on stderr.
func (f *Factory) successf(format string, args ...any) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.OK.Render(styles.GlyphOK)+" "+fmt.Sprintf(format, args...))
}

// warnf writes "! message" on stderr.
func (f *Factory) warnf(format string, args ...any) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.Warn.Render(styles.GlyphWarn+" "+fmt.Sprintf(format, args...)))
}

// printError writes an error and its next step on stderr.
func (f *Factory) printError(err error) {
	s := palette()
	lipgloss.Fprintln(f.IO.ErrOut, s.Err.Render(styles.GlyphErr+" Error:")+" "+err.Error())
	if h := hintOf(err); h != "" {
		lipgloss.Fprintln(f.IO.ErrOut, "  "+s.Muted.Render("→")+" "+h)
	}
	var v verboser
	if f.Verbose && errors.As(err, &v) && v.Verbose() != "" {
		lipgloss.Fprintln(f.IO.ErrOut, s.Muted.Render(v.Verbose()))
	}
}
