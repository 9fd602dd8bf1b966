package wizard

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/atotto/clipboard"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// common is the context every screen shares, soft-serve style: one pointer,
// so a resize or a background-colour answer reaches all screens at once.
type common struct {
	rt     *flows.Runtime
	width  int // the body area a screen may draw in
	height int
	dark   bool
	styles *styles.Styles
	keys   keyMap
	// clip writes the system clipboard. It is a field so that tests can
	// observe a copy without overwriting the developer's clipboard.
	clip func(string) error
	// nav holds the stack changes screens asked for; see navigation.
	nav []navigation
	// gate holds keys typed ahead of a form's focus move; screens update
	// their forms through it.
	gate keyGate
}

func newCommon(rt *flows.Runtime) *common {
	return &common{
		rt:     rt,
		width:  80,
		height: 24 - chromeHeight,
		dark:   true, // until the terminal answers tea.RequestBackgroundColor
		styles: styles.New(true),
		keys:   newKeyMap(),
		clip:   clipboard.WriteAll,
	}
}

// formTheme follows the terminal's background as it is known at render
// time, so forms built before the answer arrived still get it right.
func (c *common) formTheme() huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles { return huh.ThemeCharm(c.dark) })
}

// newForm wraps fields the way every embedded form needs: our theme, our
// width, no built-in help (the wizard's footer shows it) and Select
// filtering switched off, because "/" then Esc would fight Esc-means-back.
func (c *common) newForm(groups ...*huh.Group) *huh.Form {
	km := huh.NewDefaultKeyMap()
	km.Select.Filter.SetEnabled(false)
	km.MultiSelect.Filter.SetEnabled(false)
	km.Quit.SetEnabled(false) // the root model owns ctrl+c
	return huh.NewForm(groups...).
		WithTheme(c.formTheme()).
		WithKeyMap(km).
		WithShowHelp(false).
		WithWidth(c.width)
}

// keyMap holds every binding of the wizard; screens enable the ones they use
// by listing them in their help.
type keyMap struct {
	Up, Down, Open       key.Binding
	Back, Help, Quit     key.Binding
	Interrupt            key.Binding
	Generate, Import     key.Binding
	JWK, Delete          key.Binding
	Copy, Write          key.Binding
	ScrollUp, ScrollDown key.Binding
	// Onboarding and Token check.
	Continue, Retry     key.Binding
	Altinn, Sandbox     key.Binding
	TokenCheck, Onboard key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		Open:       b([]string{"enter"}, "enter", "open"),
		Back:       b([]string{"esc", "shift+tab"}, "esc", "back"),
		Help:       b([]string{"?"}, "?", "help"),
		Quit:       b([]string{"q"}, "q", "quit"),
		Interrupt:  b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Generate:   b([]string{"g"}, "g", "generate"),
		Import:     b([]string{"i"}, "i", "import"),
		JWK:        b([]string{"enter", "p"}, "enter", "public JWK"),
		Delete:     b([]string{"d", "delete"}, "d", "delete"),
		Copy:       b([]string{"c"}, "c", "copy"),
		Write:      b([]string{"w"}, "w", "write to file"),
		ScrollUp:   b([]string{"up", "k", "pgup"}, "↑/pgup", "scroll up"),
		ScrollDown: b([]string{"down", "j", "pgdown"}, "↓/pgdown", "scroll down"),
		Continue:   b([]string{"enter"}, "enter", "continue"),
		Retry:      b([]string{"r"}, "r", "fetch again"),
		Altinn:     b([]string{"a"}, "a", "Altinn token"),
		Sandbox:    b([]string{"s"}, "s", "sandbox plays portal"),
		TokenCheck: b([]string{"t"}, "t", "token check"),
		Onboard:    b([]string{"o"}, "o", "set up a client"),
	}
}

// screen is one page of the wizard. Like soft-serve's components, screens
// return strings; only the root model builds a tea.View.
type screen interface {
	Init() tea.Cmd
	Update(tea.Msg) (screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Title is the screen's part of the breadcrumb.
	Title() string
	// Typing reports whether printable keys belong to the screen (a text
	// field has focus), so that "?" and "q" are text, not shortcuts.
	Typing() bool
	// CanLeave reports whether a back key (esc or shift+tab) may pop the
	// screen now: not while work is running, and shift+tab only when a form
	// has nowhere further back to go.
	CanLeave(tea.KeyPressMsg) bool
	help.KeyMap
}

// revealMsg goes to the screen that becomes visible after a pop: what
// happened (a notice for the user) and which key it was about.
type revealMsg struct {
	notice string
	key    string
}

// navigation is a screen's request to change the stack. The root applies it
// as soon as the screen's Update returns, not through a tea.Cmd: a command
// runs later, and keys typed in between would reach the old screen.
type navigation struct {
	push   screen // nil means pop
	reveal revealMsg
}

// push opens s on top of the current screen. It returns no command; the
// signature lets screens write `return x, x.c.push(s)`.
func (c *common) push(s screen) tea.Cmd {
	c.nav = append(c.nav, navigation{push: s})
	return nil
}

// pop closes the current screen and tells the one below what happened.
func (c *common) pop(notice, keyName string) tea.Cmd {
	c.nav = append(c.nav, navigation{reveal: revealMsg{notice: notice, key: keyName}})
	return nil
}

// copyStatus says how a copy went. The text always goes to the terminal's
// clipboard (OSC 52), which cannot report success; the system clipboard
// needs xclip, xsel, wl-copy, pbcopy or Windows and can. So "copied" is
// claimed only for the system clipboard, and a failure says what else to
// try (writing a file, where the screen offers it).
func copyStatus(st *styles.Styles, err error, what, next string, canWrite bool) string {
	if err == nil {
		return st.OK.Render(styles.GlyphOK+" Copied "+what+" to the clipboard.") + " " + next
	}
	s := st.Warn.Render(styles.GlyphWarn+" The system clipboard could not be reached ("+err.Error()+").") +
		" It was sent to the terminal's clipboard (OSC 52), which works only where the terminal allows it"
	if canWrite {
		s += "; if pasting gives nothing, press w to write a file"
	}
	return s + "."
}
