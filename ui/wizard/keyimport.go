package wizard

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/ui/styles"
)

// keyImport reads an existing key file (PEM, private JWK or a .p12
// virksomhetssertifikat) into the keystore.
type keyImport struct {
	formStep
	ans *importAnswers
}

func newKeyImport(c *common) screen {
	a := &importAnswers{Name: c.rt.DefaultKeyName(), Format: flows.FormatPEM}
	groups := func() []*huh.Group {
		a.Password = "" // never kept for longer than one attempt
		pw := importPasswordGroup(a).WithHideFunc(func() bool { return a.Format != flows.FormatP12 })
		return []*huh.Group{importFileGroup(c.rt, a, false), pw}
	}
	return &keyImport{formStep: newFormStep(c, groups), ans: a}
}

func (s *keyImport) Title() string { return "Import" }

func (s *keyImport) Update(msg tea.Msg) (screen, tea.Cmd) {
	if msg, ok := msg.(keyDoneMsg); ok {
		if cmd := s.finish(msg.err); msg.err != nil {
			if errors.Is(msg.err, keystore.ErrWrongPassword) {
				cmd = tea.Sequence(cmd, focusOn(s.form, p12PasswordKey))
			}
			return s, cmd
		}
		return s, s.c.pop(importedNotice(s.c.styles, msg.info), msg.info.Name)
	}
	done, cmd := s.update(msg)
	if !done {
		return s, cmd
	}
	rt, a := s.c.rt, *s.ans
	s.ans.Password = ""
	return s, s.task.start("Importing "+a.Path+" into the "+storeWords(rt), func() tea.Msg {
		info, err := rt.ImportKey(a.Name, a.Format, expandHome(a.Path), a.Password)
		return keyDoneMsg{info, err}
	})
}

func (s *keyImport) View() string {
	intro := wrap("Bring a key you already have. The private key is stored in the "+storeWords(s.c.rt)+
		"; the file is only read, so delete it yourself once the import worked.", s.c.width)
	return s.view(intro, "Could not import the key")
}

func importedNotice(st *styles.Styles, in keystore.Info) string {
	out := st.OK.Render(styles.GlyphOK+" Imported key "+in.Name) +
		fmt.Sprintf(" (RSA %d, %s).", in.Bits, storageWords(in.Storage))
	if in.Certificate != nil {
		out += " It comes with a virksomhetssertifikat"
		if in.Certificate.OrgNo != "" {
			out += " for " + in.Certificate.OrgNo
		}
		out += "."
	}
	return out
}
