package wizard

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

type deletedMsg struct{ err error }

// keyDelete asks before deleting a key: a yes/no for a spare key, the key's
// name typed out for a key in use or any key in prod.
type keyDelete struct {
	formStep
	key flows.KeyStatus
	ans *deleteAnswers
}

func newKeyDelete(c *common, k flows.KeyStatus) screen {
	a := &deleteAnswers{}
	return &keyDelete{
		formStep: newFormStep(c, func() []*huh.Group { return deleteGroups(c.rt, k, a, false) }),
		key:      k,
		ans:      a,
	}
}

func (d *keyDelete) Title() string { return "Delete " + d.key.Name }

func (d *keyDelete) Update(msg tea.Msg) (screen, tea.Cmd) {
	if msg, ok := msg.(deletedMsg); ok {
		if cmd := d.finish(msg.err); msg.err != nil {
			return d, cmd
		}
		return d, d.c.pop(d.c.styles.OK.Render(styles.GlyphOK+" Deleted key "+d.key.Name+"."), "")
	}
	done, cmd := d.update(msg)
	if !done {
		return d, cmd
	}
	if !d.ans.confirmed(typedDelete(d.c.rt, d.key), d.key.Name) {
		return d, d.c.pop("Kept key "+d.key.Name+".", d.key.Name)
	}
	rt, name, force := d.c.rt, d.key.Name, typedDelete(d.c.rt, d.key)
	return d, d.task.start("Deleting key "+name, func() tea.Msg {
		return deletedMsg{rt.DeleteKey(name, force)}
	})
}

func (d *keyDelete) View() string {
	st := d.c.styles
	w := d.c.width
	k := d.key
	var warn string
	switch {
	case k.InUse:
		warn = st.Err.Render(styles.GlyphWarn+" "+k.Name+" is in use.") +
			" Profile " + d.c.rt.ProfileName + " signs its Maskinporten grants with it in " + d.c.rt.Env.Name +
			". Deleting it breaks token fetching until you register another key with your Maskinporten client."
	case d.c.rt.Env.IsProd():
		warn = st.Err.Render(styles.GlyphWarn+" This is a production key.") +
			" Check that no Maskinporten client still uses kid " + k.KID + " before you delete it."
	default:
		warn = "Key " + st.Key.Render(k.Name) + " (kid " + k.KID + ") is not used by profile " +
			d.c.rt.ProfileName + " in " + d.c.rt.Env.Name + "."
	}
	return d.view(wrap(warn, w), "Could not delete the key")
}
