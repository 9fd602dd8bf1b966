package wizard

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/ui/styles"
)

// keyDoneMsg carries the result of generating or importing a key.
type keyDoneMsg struct {
	info keystore.Info
	err  error
}

// keyGen asks for a name and size, then generates the key off the UI
// goroutine, since RSA generation and the keychain can take seconds.
type keyGen struct {
	formStep
	ans *genAnswers
}

func newKeyGen(c *common) screen {
	a := &genAnswers{Name: c.rt.DefaultKeyName(), Bits: 2048}
	return &keyGen{
		formStep: newFormStep(c, func() []*huh.Group { return genGroups(c.rt, a, false) }),
		ans:      a,
	}
}

func (g *keyGen) Title() string { return "Generate" }

func (g *keyGen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if msg, ok := msg.(keyDoneMsg); ok {
		if cmd := g.finish(msg.err); msg.err != nil {
			return g, cmd
		}
		next := " Next: press enter to see its public JWK for Digdir's self-service portal."
		return g, g.c.pop(generatedNotice(g.c.styles, msg.info)+next, msg.info.Name)
	}
	done, cmd := g.update(msg)
	if !done {
		return g, cmd
	}
	rt, name, bits := g.c.rt, g.ans.Name, g.ans.Bits
	return g, g.task.start(
		fmt.Sprintf("Generating an RSA-%d key and storing it in the %s", bits, storeWords(rt)),
		func() tea.Msg {
			info, err := rt.GenerateKey(name, bits)
			return keyDoneMsg{info, err}
		})
}

func (g *keyGen) View() string {
	intro := wrap("A new RSA key pair. The private key goes into the "+storeWords(g.c.rt)+
		" and never leaves it; you register the public key (JWK) with your Maskinporten client.", g.c.width)
	return g.view(intro, "Could not generate the key")
}

// storeWords names where new private keys go with this keystore.
func storeWords(rt *flows.Runtime) string {
	if rt.Keys.Backend() == keystore.File {
		return "encrypted key file store"
	}
	return "OS keychain"
}

func generatedNotice(st *styles.Styles, in keystore.Info) string {
	return st.OK.Render(styles.GlyphOK+" Generated key "+in.Name) +
		fmt.Sprintf(" (RSA %d, %s).", in.Bits, storageWords(in.Storage))
}
