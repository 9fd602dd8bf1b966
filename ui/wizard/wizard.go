// Package wizard is systembruker's full-screen terminal wizard: a home
// screen that shows the vendor journey and where the active profile stands,
// and the screens that carry out its steps. It holds no business logic: every
// action is a call into package flows, the same calls the commands make.
//
// The root Model owns a stack of screens (home → keys → generate, …) that
// share one context (size, styles, key map, runtime). Esc or Shift+Tab pops
// the stack, Ctrl+C quits from anywhere, "?" shows every key.
package wizard

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// Options configure the wizard.
type Options struct {
	Runtime *flows.Runtime
	// Accessible replaces the full-screen UI with plain line-by-line
	// prompts (numbered choices) that screen readers can follow.
	Accessible bool
	// In and Out are the accessible mode's streams; nil means os.Stdin and
	// os.Stdout. The full-screen UI always uses the terminal.
	In  io.Reader
	Out io.Writer
}

// Run runs the wizard until the user quits. Quitting, with q or Ctrl+C, is
// not an error.
func Run(ctx context.Context, opts Options) error {
	if opts.Runtime == nil {
		return errors.New("wizard: no runtime")
	}
	if opts.Accessible {
		in, out := opts.In, opts.Out
		if in == nil {
			in = os.Stdin
		}
		if out == nil {
			out = os.Stdout
		}
		return runAccessible(ctx, opts.Runtime, in, out)
	}
	_, err := tea.NewProgram(New(opts), tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Model is the root Bubble Tea model. It is exported for tests (teatest).
type Model struct {
	c     *common
	stack []screen
	help  help.Model
}

// New returns the wizard's root model, on its home screen.
func New(opts Options) Model {
	c := newCommon(opts.Runtime)
	h := help.New()
	h.Styles = help.DefaultStyles(c.dark)
	return Model{c: c, stack: []screen{newHome(c)}, help: h}
}

// chromeHeight is the rows the root draws around a screen: the two-line
// header and its blank line, and the blank line and one-line help below.
const chromeHeight = 5

// Init asks the terminal for its background colour (Bubble Tea v2 no longer
// guesses it) and starts the home screen.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.top().Init())
}

func (m Model) top() screen { return m.stack[len(m.stack)-1] }

// Update routes a message: window and colour changes to everyone, navigation
// to the stack, global keys here, everything else to the visible screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if keys, ok := m.c.gate.release(msg); ok {
		return m.replay(keys)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width = msg.Width
		m.c.height = max(msg.Height-chromeHeight, 1)
		m.help.SetWidth(msg.Width)
		for _, s := range m.stack {
			s.SetSize(m.c.width, m.c.height)
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.c.dark = msg.IsDark()
		m.c.styles = styles.New(m.c.dark)
		m.help.Styles = help.DefaultStyles(m.c.dark)
		return m.updateTop(msg)
	case tea.KeyPressMsg:
		if !key.Matches(msg, m.c.keys.Interrupt) && m.c.gate.holds(msg) {
			return m, nil // typed ahead of a focus move: replayed once it lands
		}
		return m.handleKey(msg)
	}
	return m.updateTop(msg)
}

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.keys
	s := m.top()
	switch {
	case key.Matches(msg, k.Interrupt):
		return m, tea.Quit
	case key.Matches(msg, k.Back):
		if len(m.stack) > 1 && s.CanLeave(msg) {
			m.c.pop("", "")
			return m.navigate(nil)
		}
		// Otherwise the screen decides: a form moves back a field, a
		// busy screen ignores it, a prompt within a screen closes.
	case s.Typing():
		// Printable keys are text for the focused field.
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	case key.Matches(msg, k.Quit) && len(m.stack) == 1:
		return m, tea.Quit
	}
	return m.updateTop(msg)
}

func (m Model) updateTop(msg tea.Msg) (tea.Model, tea.Cmd) {
	i := len(m.stack) - 1
	s, cmd := m.stack[i].Update(msg)
	m.stack[i] = s
	return m.navigate(cmd)
}

// navigate applies the stack changes the screens asked for.
func (m Model) navigate(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	cmds := []tea.Cmd{cmd}
	for len(m.c.nav) > 0 {
		n := m.c.nav[0]
		m.c.nav = m.c.nav[1:]
		switch {
		case n.push != nil:
			n.push.SetSize(m.c.width, m.c.height)
			m.stack = append(m.stack, n.push)
			cmds = append(cmds, n.push.Init())
		case len(m.stack) > 1:
			m.stack = m.stack[:len(m.stack)-1]
			i := len(m.stack) - 1
			s, c := m.stack[i].Update(n.reveal)
			m.stack[i] = s
			cmds = append(cmds, c)
		}
	}
	return m, tea.Batch(cmds...)
}

// View draws the header (where you are, which environment), the screen and
// the key help. Everything stays within the terminal's width and height.
func (m Model) View() tea.View {
	st := m.c.styles
	rt := m.c.rt
	var crumbs []string
	for _, s := range m.stack {
		crumbs = append(crumbs, s.Title())
	}
	left := st.Title.Render("systembruker") + st.Muted.Render(" › "+strings.Join(crumbs, " › "))
	badge := st.EnvBadge(rt.Env.Name)
	gap := max(m.c.width-lipgloss.Width(left)-lipgloss.Width(badge), 1)
	line1 := left + strings.Repeat(" ", gap) + badge

	line2 := st.Muted.Render("profile " + rt.ProfileName + " · environment " + rt.Env.Name)
	if rt.Env.IsProd() {
		line2 = st.Err.Render("PRODUCTION: changes here reach real customers. ") + st.Muted.Render("profile "+rt.ProfileName)
	}

	helpView := m.help.View(helpKeys{s: m.top(), k: m.c.keys, home: len(m.stack) == 1})
	bodyHeight := max(m.c.height+chromeHeight-4-lipgloss.Height(helpView), 1)
	body := clip(m.top().View(), m.c.width, bodyHeight)
	pad := bodyHeight - lipgloss.Height(body)

	content := truncateLines(line1, m.c.width) + "\n" + truncateLines(line2, m.c.width) + "\n\n" +
		body + strings.Repeat("\n", pad+1) + "\n" + helpView
	v := tea.NewView(content)
	v.AltScreen = true
	return v
}

// helpKeys merges the visible screen's keys with the global ones.
type helpKeys struct {
	s    screen
	k    keyMap
	home bool
}

func (h helpKeys) ShortHelp() []key.Binding {
	out := append([]key.Binding{}, h.s.ShortHelp()...)
	if !h.home {
		out = append(out, h.k.Back)
	}
	if h.s.Typing() {
		// "?" and "q" are text now; say how to leave instead.
		return append(out, h.k.Interrupt)
	}
	out = append(out, h.k.Help)
	if h.home {
		out = append(out, h.k.Quit)
	}
	return out
}

func (h helpKeys) FullHelp() [][]key.Binding {
	hl := h.k.Help
	hl.SetHelp("?", "fewer keys")
	global := []key.Binding{hl}
	if h.home {
		global = append(global, h.k.Quit)
	} else {
		back := h.k.Back
		back.SetHelp("esc/shift+tab", "back")
		global = append([]key.Binding{back}, global...)
	}
	return append(h.s.FullHelp(), append(global, h.k.Interrupt))
}

// clip keeps the first height lines of s, each cut to width, so a screen
// can never push the header off the top of a small terminal.
func clip(s string, width, height int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	return truncateLines(strings.Join(lines, "\n"), width)
}
