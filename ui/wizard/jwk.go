package wizard

import (
	"errors"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/ui/styles"
)

type (
	copiedMsg  struct{ err error }
	writtenMsg struct {
		path string
		err  error
	}
)

// jwkView shows a key's public half as Digdir's self-service portal takes
// it in its key field (flows.PortalKey, as the portal step shows it), and
// copies it or writes it, as a JWKS, to a file. The text itself is always
// on screen, because a clipboard may not exist here.
type jwkView struct {
	c      *common
	name   string
	text   string // for the portal's key field
	jwks   string // for a file
	err    error
	vp     viewport.Model
	status string

	// The file prompt, open after w.
	path string
	form *huh.Form
}

func newJWKView(c *common, name string) screen {
	v := &jwkView{c: c, name: name, path: name + ".jwks.json"}
	key, err := c.rt.PortalKey(name)
	v.text, v.jwks, v.err = key.Paste+"\n", key.JWKS+"\n", err
	v.vp = viewport.New()
	v.vp.SoftWrap = true
	v.vp.SetContent(v.text)
	v.SetSize(c.width, c.height)
	return v
}

func (v *jwkView) Init() tea.Cmd { return nil }
func (v *jwkView) Title() string { return "Public JWK " + v.name }

func (v *jwkView) Typing() bool { return v.form != nil }

// CanLeave: a back key first closes the file prompt, then the screen.
func (v *jwkView) CanLeave(tea.KeyPressMsg) bool { return v.form == nil }

func (v *jwkView) ShortHelp() []key.Binding {
	if v.form != nil {
		return v.form.KeyBinds()
	}
	if v.err != nil {
		return nil
	}
	k := v.c.keys
	return []key.Binding{k.Copy, k.Write, k.ScrollDown}
}

func (v *jwkView) FullHelp() [][]key.Binding {
	k := v.c.keys
	if v.form != nil || v.err != nil {
		return [][]key.Binding{v.ShortHelp()}
	}
	return [][]key.Binding{{k.Copy, k.Write}, {k.ScrollUp, k.ScrollDown}}
}

func (v *jwkView) SetSize(w, _ int) {
	v.vp.SetWidth(w)
	if v.form != nil {
		v.form.WithWidth(w)
	}
	v.layout()
}

// layout gives the JSON whatever height the text around it leaves.
func (v *jwkView) layout() {
	used := lipgloss.Height(v.intro()) + 1
	if b := v.below(); b != "" {
		used += lipgloss.Height(b) + 1
	}
	v.vp.SetHeight(max(v.c.height-used, 3))
}

func (v *jwkView) intro() string {
	return wrap("Register this key with your Maskinporten client: add a key to the client in Digdir's "+
		"self-service portal and paste it into the \"JWK or PEM format\" field. "+
		v.c.styles.Muted.Render("Long lines wrap on screen; c (copy) and w (write to a file) give the exact text."), v.c.width)
}

// below is what goes under the JSON: the file prompt or the last status.
func (v *jwkView) below() string {
	if v.form != nil {
		return v.form.View()
	}
	return v.status
}

func (v *jwkView) Update(msg tea.Msg) (screen, tea.Cmd) {
	cmd := v.update(msg)
	v.layout()
	return v, cmd
}

func (v *jwkView) update(msg tea.Msg) tea.Cmd {
	st := v.c.styles
	switch msg := msg.(type) {
	case copiedMsg:
		v.status = wrap(copyStatus(v.c.styles, msg.err, "the key", "Paste it into the portal's key field.", true), v.c.width)
		return nil
	case writtenMsg:
		if msg.err != nil {
			v.status = errorView(st, v.c.rt, v.c.width, "Could not write the file", msg.err)
		} else {
			v.status = wrap(st.OK.Render(styles.GlyphOK+" Wrote "+msg.path)+" (public key only: safe to share).", v.c.width)
		}
		return nil
	}
	if v.form != nil {
		return v.updateForm(msg)
	}
	k := v.c.keys
	if msg, ok := msg.(tea.KeyPressMsg); ok && v.err == nil {
		switch {
		case key.Matches(msg, k.Copy):
			v.status = ""
			clip, text := v.c.clip, v.text
			// OSC 52 goes through the terminal (and SSH); the system
			// clipboard needs xclip, xsel, wl-copy, pbcopy or Windows. Both
			// are tried; copyStatus only claims what is known to work.
			return tea.Batch(tea.SetClipboard(text), func() tea.Msg { return copiedMsg{clip(text)} })
		case key.Matches(msg, k.Write):
			v.status = ""
			v.openForm()
			return v.form.Init()
		}
	}
	var cmd tea.Cmd
	v.vp, cmd = v.vp.Update(msg)
	return cmd
}

func (v *jwkView) openForm() {
	in := huh.NewInput().
		Title("Write the key (JWKS) to").
		Description("A file path; an existing file is replaced. The JWKS holds no secret.").
		Value(&v.path).
		Validate(func(p string) error {
			if strings.TrimSpace(p) == "" {
				return errors.New("give a file path")
			}
			return nil
		})
	v.form = v.c.newForm(huh.NewGroup(in))
}

func (v *jwkView) updateForm(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(tea.KeyPressMsg); ok && key.Matches(m, v.c.keys.Back) {
		v.form = nil
		return nil
	}
	var cmd tea.Cmd
	v.form, cmd = v.c.gate.update(v.form, msg)
	if v.form.State != huh.StateCompleted {
		return cmd
	}
	v.form = nil
	path, text := expandHome(v.path), v.jwks
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err == nil {
			// 0644: a JWKS is public, and other tools may need to read it.
			err = atomicfile.Write(abs, []byte(text), 0o644)
		}
		return writtenMsg{abs, err}
	}
}

func (v *jwkView) View() string {
	if v.err != nil {
		return errorView(v.c.styles, v.c.rt, v.c.width, "Could not read the public key of "+v.name, v.err)
	}
	out := v.intro() + "\n\n" + v.vp.View()
	if b := v.below(); b != "" {
		out += "\n\n" + b
	}
	return out
}
