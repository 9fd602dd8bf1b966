package wizard

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/redact"
	"github.com/systembruker/systembruker/internal/termsafe"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/ui/styles"
)

// truncateLines cuts every line of s to width cells, keeping its styling.
func truncateLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, width, "…")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks text into lines of at most width cells, at spaces where it
// can, keeping its styling. Hyphens are not break points here (ansi.Wrap
// always breaks at them): ids, kids and key names are full of them, and an
// id split over two lines cannot be copied.
func wrap(s string, width int) string {
	const nbHyphen = "\u2011"
	s = strings.ReplaceAll(s, "-", nbHyphen)
	return strings.ReplaceAll(ansi.Wrap(s, max(width, 10), ""), nbHyphen, "-")
}

// hinter is implemented by errors that know the user's next step (see
// flows.KeyInUseError).
type hinter interface{ Hint() string }

// errorView says what went wrong and, when the error knows it, what to do.
// The commands it suggests carry the flags that select rt's profile and
// environment, so that they run as printed.
func errorView(st *styles.Styles, rt *flows.Runtime, width int, what string, err error) string {
	cmds := rt.CommandFlags()
	msg := st.Err.Render(styles.GlyphErr+" "+what+":") + " " + cmds.Apply(safeText(err.Error()))
	out := wrap(msg, width)
	var h hinter
	if errors.As(err, &h) {
		out += "\n" + wrap(st.Muted.Render("→ ")+cmds.Apply(safeText(h.Hint())), width)
	}
	return out
}

// safeText is an error's text fit to show: it may quote a server, a token
// or what was typed, so control sequences go, and so do key material and
// tokens (as in the CLI's messages).
func safeText(s string) string { return redact.Secrets(termsafe.Text(s)) }

// storageWords names where a key's private part lives, for people.
func storageWords(s keystore.Storage) string {
	switch s {
	case keystore.InKeychain:
		return "OS keychain"
	case keystore.InKeychainFile:
		return "OS keychain + encrypted file"
	case keystore.InFile:
		return "encrypted file"
	}
	return string(s)
}

// daysLeft rounds up, so "expires in 1 day" still means tomorrow at worst.
func daysLeft(now, t time.Time) int {
	return int(math.Ceil(t.Sub(now).Hours() / 24))
}

// expiryLine describes an expired or soon-expiring key with glyph, words
// and the next step; colour is never the only signal.
func expiryLine(st *styles.Styles, now time.Time, k flows.KeyStatus) string {
	if k.Expires == nil {
		return ""
	}
	date := k.Expires.Format(time.DateOnly)
	if k.Expired {
		return st.Err.Render(styles.GlyphErr+" Key "+k.Name+" expired on "+date+".") +
			" Generate or import a new key and register it with your Maskinporten client."
	}
	n := daysLeft(now, *k.Expires)
	return st.Warn.Render(fmt.Sprintf("%s Key %s expires in %s (%s).", styles.GlyphWarn, k.Name, plural(n, "day"), date)) +
		" Rotate it before then: tokens stop working when it expires."
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// task is one piece of slow work (RSA generation, a keychain call) and the
// spinner shown while it runs.
type task struct {
	spin    spinner.Model
	running bool
	what    string // "Generating an RSA-2048 key", shown beside the spinner
}

func newTask() task {
	return task{spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

// start marks the task running and returns the spinner's tick together with
// the work. work runs on Bubble Tea's goroutine pool, never on the model.
func (t *task) start(what string, work tea.Cmd) tea.Cmd {
	t.running, t.what = true, what
	return tea.Batch(t.spin.Tick, work)
}

func (t *task) update(msg tea.Msg) tea.Cmd {
	if !t.running {
		return nil
	}
	var cmd tea.Cmd
	t.spin, cmd = t.spin.Update(msg)
	return cmd
}

func (t *task) view(st *styles.Styles, width int, rt *flows.Runtime) string {
	note := " (the OS keychain may ask you to unlock it)"
	if rt.Keys.Backend() == keystore.File {
		note = ""
	}
	return wrap(t.spin.View()+" "+t.what+st.Muted.Render(note), width)
}
