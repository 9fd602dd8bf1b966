package wizard

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// keyList lists the keystore's keys and leads to every key action.
type keyList struct {
	c      *common
	keys   []flows.KeyStatus
	err    error
	cursor int
	notice string
}

func newKeyList(c *common) screen {
	l := &keyList{c: c}
	l.reload("")
	return l
}

// reload reads the key metadata (files, never the keychain, so it is
// instant) and puts the cursor on the named key if there is one.
func (l *keyList) reload(focus string) {
	l.keys, l.err = l.c.rt.ListKeys()
	for i, k := range l.keys {
		if k.Name == focus {
			l.cursor = i
		}
	}
	l.cursor = max(min(l.cursor, len(l.keys)-1), 0)
}

func (l *keyList) Init() tea.Cmd                 { return nil }
func (l *keyList) Title() string                 { return "Keys" }
func (l *keyList) Typing() bool                  { return false }
func (l *keyList) CanLeave(tea.KeyPressMsg) bool { return true }
func (l *keyList) SetSize(int, int)              {}

func (l *keyList) ShortHelp() []key.Binding {
	k := l.c.keys
	if len(l.keys) == 0 {
		return []key.Binding{k.Generate, k.Import}
	}
	return []key.Binding{k.Generate, k.Import, k.JWK, k.Delete}
}

func (l *keyList) FullHelp() [][]key.Binding {
	k := l.c.keys
	return [][]key.Binding{{k.Up, k.Down}, l.ShortHelp()}
}

func (l *keyList) selected() (flows.KeyStatus, bool) {
	if len(l.keys) == 0 {
		return flows.KeyStatus{}, false
	}
	return l.keys[l.cursor], true
}

func (l *keyList) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := l.c.keys
	switch msg := msg.(type) {
	case revealMsg:
		l.notice = msg.notice
		l.reload(msg.key)
	case tea.KeyPressMsg:
		l.notice = ""
		sel, ok := l.selected()
		switch {
		case key.Matches(msg, k.Up):
			l.cursor = max(l.cursor-1, 0)
		case key.Matches(msg, k.Down):
			l.cursor = max(min(l.cursor+1, len(l.keys)-1), 0)
		case key.Matches(msg, k.Generate):
			return l, l.c.push(newKeyGen(l.c))
		case key.Matches(msg, k.Import):
			return l, l.c.push(newKeyImport(l.c))
		case ok && key.Matches(msg, k.JWK):
			return l, l.c.push(newJWKView(l.c, sel.Name))
		case ok && key.Matches(msg, k.Delete):
			return l, l.c.push(newKeyDelete(l.c, sel))
		}
	}
	return l, nil
}

func (l *keyList) View() string {
	st := l.c.styles
	w := l.c.width
	var head strings.Builder
	if l.notice != "" {
		head.WriteString(wrap(l.notice, w) + "\n\n")
	}
	switch {
	case l.err != nil:
		head.WriteString(errorView(st, l.c.rt, w, "Could not list keys", l.err))
		return head.String()
	case len(l.keys) == 0:
		head.WriteString(wrap("No keys yet. Maskinporten needs an RSA key to trust the grants you sign. "+
			"Press g to generate one (kept in the "+storeWords(l.c.rt)+"), or i to import a PEM, JWK or .p12 "+
			"(virksomhetssertifikat) file.", w))
		return head.String()
	}
	head.WriteString(st.Muted.Render(plural(len(l.keys), "key")+" in the keystore") + "\n\n")

	blocks := make([]string, len(l.keys))
	for i, k := range l.keys {
		blocks[i] = l.keyView(i, k)
	}
	return head.String() + scrollTo(blocks, l.cursor, l.c.height-lipgloss.Height(head.String()))
}

// keyView is one key: name and state on the first line, its kid and dates
// below, and the certificate when it came from a virksomhetssertifikat.
func (l *keyList) keyView(i int, k flows.KeyStatus) string {
	st := l.c.styles
	w := l.c.width
	now := l.c.rt.Now()

	var state []string
	state = append(state, "RSA "+strconv.Itoa(k.Bits), storageWords(k.Storage))
	if k.InUse {
		state = append(state, st.OK.Render("in use"))
	}
	switch {
	case k.Expired:
		state = append(state, st.Err.Render(styles.GlyphErr+" expired"))
	case k.ExpiresSoon:
		state = append(state, st.Warn.Render(styles.GlyphWarn+" expires in "+plural(daysLeft(now, *k.Expires), "day")))
	}
	right := strings.Join(state, st.Muted.Render(" · "))

	cursor, name := "  ", k.Name
	if i == l.cursor {
		cursor, name = st.Selected.Render("> "), st.Selected.Render(k.Name)
	}
	room := w - lipgloss.Width(right) - 3
	left := truncateLines(cursor+name, max(room, 12))
	line := left + strings.Repeat(" ", max(w-lipgloss.Width(left)-lipgloss.Width(right), 1)) + right

	// The kid and the dates on one line when they fit, else the dates on
	// a line of their own: a cut date would hide when the key expires.
	kid, dates := "    kid "+k.KID, "created "+k.Created.Format(time.DateOnly)
	if k.Expires != nil {
		dates += " · expires " + k.Expires.Format(time.DateOnly)
	}
	details := kid + " · " + dates
	if lipgloss.Width(details) > w {
		details = kid + "\n    " + dates
	}
	out := truncateLines(line, w) + "\n" + truncateLines(st.Muted.Render(details), w)
	if c := k.Certificate; c != nil {
		cert := "    virksomhetssertifikat"
		if c.OrgNo != "" {
			cert += " for " + c.OrgNo
		}
		// A certificate subject is long: on lines of its own, not cut.
		subject := strings.ReplaceAll(wrap(c.Subject, w-4), "\n", "\n    ")
		out += "\n" + truncateLines(st.Muted.Render(cert+"\n    "+subject), w)
	}
	return out
}

// scrollTo joins blocks and, when they do not fit in height lines, shows a
// window around block cur with markers for what is hidden.
func scrollTo(blocks []string, cur, height int) string {
	all := strings.Join(blocks, "\n")
	if lipgloss.Height(all) <= height || height < 3 {
		return all
	}
	start, end := cur, cur+1
	used := lipgloss.Height(blocks[cur])
	for {
		grew := false
		if end < len(blocks) && used+lipgloss.Height(blocks[end]) <= height-2 {
			used += lipgloss.Height(blocks[end])
			end++
			grew = true
		}
		if start > 0 && used+lipgloss.Height(blocks[start-1]) <= height-2 {
			start--
			used += lipgloss.Height(blocks[start])
			grew = true
		}
		if !grew {
			break
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("  ↑ " + plural(start, "more key") + "\n")
	}
	b.WriteString(strings.Join(blocks[start:end], "\n"))
	if end < len(blocks) {
		b.WriteString("\n  ↓ " + plural(len(blocks)-end, "more key"))
	}
	return b.String()
}
