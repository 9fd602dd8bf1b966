package wizard

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// stepScreens maps a journey step to the screen that carries it out. A step
// without an entry is shown as not built yet; adding a step's screen is one
// line here.
var stepScreens = map[flows.StepID]func(*common) screen{
	flows.StepKeys:   newKeyList,
	flows.StepClient: newOnboard,
	flows.StepTokens: newTokenCheck,
}

// home shows the journey and where the active profile stands on each step.
// It reads local state only, so it opens instantly and offline.
type home struct {
	c        *common
	steps    []flows.Step
	expiring []flows.KeyStatus
	expErr   error
	cursor   int
	notice   string
}

func newHome(c *common) screen {
	h := &home{c: c}
	h.refresh()
	return h
}

// refresh re-reads the journey; it runs whenever home becomes visible,
// so the warnings show on every visit, not only at start.
func (h *home) refresh() {
	h.steps = h.c.rt.Journey()
	h.expiring, h.expErr = h.c.rt.ExpiringKeys()
}

func (h *home) Init() tea.Cmd                 { return nil }
func (h *home) Title() string                 { return "home" }
func (h *home) Typing() bool                  { return false }
func (h *home) CanLeave(tea.KeyPressMsg) bool { return false }
func (h *home) SetSize(int, int)              {}

func (h *home) ShortHelp() []key.Binding {
	k := h.c.keys
	return []key.Binding{k.Up, k.Down, k.Open}
}

func (h *home) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

func (h *home) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := h.c.keys
	switch msg := msg.(type) {
	case revealMsg:
		h.notice = msg.notice
		h.refresh()
	case tea.KeyPressMsg:
		h.notice = ""
		switch {
		case key.Matches(msg, k.Up):
			h.cursor = max(h.cursor-1, 0)
		case key.Matches(msg, k.Down):
			h.cursor = min(h.cursor+1, len(h.steps)-1)
		case key.Matches(msg, k.Open):
			return h, h.open()
		}
	}
	return h, nil
}

func (h *home) open() tea.Cmd {
	step := h.steps[h.cursor]
	if mk, ok := stepScreens[step.ID]; ok {
		return h.c.push(mk(h.c))
	}
	h.notice = step.Title + " is not built into the wizard yet."
	return nil
}

func (h *home) View() string {
	st := h.c.styles
	w := h.c.width
	var b strings.Builder
	now := h.c.rt.Now()
	if h.expErr != nil {
		b.WriteString(errorView(st, h.c.rt, w, "Could not check key expiry", h.expErr) + "\n")
	}
	const maxWarnings = 3
	for i, k := range h.expiring {
		if i == maxWarnings {
			b.WriteString(st.Warn.Render(styles.GlyphWarn+" "+strconv.Itoa(len(h.expiring)-maxWarnings)+" more keys expire soon: open Keys.") + "\n")
			break
		}
		b.WriteString(wrap(expiryLine(st, now, k), w) + "\n")
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	b.WriteString(st.Subtitle.Render("Your journey") + "\n")
	for i, s := range h.steps {
		b.WriteString(h.stepView(i, s) + "\n")
	}
	if h.notice != "" {
		b.WriteString("\n" + wrap(h.notice, w))
	}
	return b.String()
}

// titleWidth fits the longest step title, "Access packages (tilgangspakker)".
const titleWidth = 36

// stepView is a step's number, title and state, then, indented below, what
// the state rests on and the command that does the step without the wizard.
func (h *home) stepView(i int, s flows.Step) string {
	st := h.c.styles
	w := h.c.width
	cursor := "  "
	title := s.Title
	if i == h.cursor {
		cursor = st.Selected.Render("> ")
		title = st.Selected.Render(title)
	}
	glyph, word := stateGlyph(st, s.State)
	label := strconv.Itoa(i+1) + ". " + title
	label += strings.Repeat(" ", max(titleWidth-lipgloss.Width(label), 1))
	out := truncateLines(cursor+glyph+" "+label+word, w)

	const indent = "       "
	cmd := ""
	if s.Command != "" {
		cmd = st.Muted.Render("$ " + s.Command)
	}
	switch {
	case s.Detail == "" && cmd == "":
	case s.Detail == "":
		out += "\n" + truncateLines(indent+cmd, w)
	case cmd == "" || lipgloss.Width(indent+s.Detail+"   "+cmd) > w:
		out += "\n" + truncateLines(indent+s.Detail, w)
		if cmd != "" {
			out += "\n" + truncateLines(indent+cmd, w)
		}
	default:
		out += "\n" + indent + s.Detail + "   " + cmd
	}
	return out
}

// stateGlyph pairs each state with a glyph and its word, so the state reads
// the same without colour.
func stateGlyph(st *styles.Styles, s flows.State) (glyph, word string) {
	switch s {
	case flows.StateDone:
		return st.OK.Render(styles.GlyphOK), st.OK.Render(string(s))
	case flows.StateWarn, flows.StateUnproven:
		return st.Warn.Render(styles.GlyphWarn), st.Warn.Render(string(s))
	case flows.StateReady:
		return st.OK.Render(styles.GlyphTodo), st.OK.Render(string(s))
	case flows.StateNotBuilt:
		return st.Muted.Render(styles.GlyphTodo), st.Muted.Render(string(s))
	}
	return styles.GlyphTodo, string(s)
}
