package wizard

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// formStep is what the form screens (generate, import, delete) share, with
// most of the screen interface they embed it for: a huh form, the slow work
// it starts once completed, and the last error. Answers live behind pointers
// in the screen, so a rebuilt form (after an error) shows what the user
// typed.
type formStep struct {
	c     *common
	build func() (*huh.Form, huh.Field)
	form  *huh.Form
	first huh.Field // shift+tab here leaves the screen: huh has no earlier field
	task  task
	err   error
}

func newFormStep(c *common, groups func() []*huh.Group) formStep {
	fs := formStep{c: c, task: newTask()}
	fs.build = func() (*huh.Form, huh.Field) {
		f := c.newForm(groups()...)
		return f, f.GetFocusedField()
	}
	fs.form, fs.first = fs.build()
	return fs
}

// reset builds a fresh form (a huh form is single-use) and starts it.
func (f *formStep) reset() tea.Cmd {
	f.form, f.first = f.build()
	f.form.WithWidth(f.c.width)
	return f.form.Init()
}

func (f *formStep) Init() tea.Cmd { return f.form.Init() }

func (f *formStep) SetSize(w, h int) {
	f.form.WithWidth(w)
	f.form.Update(tea.WindowSizeMsg{Width: w, Height: h})
}

func (f *formStep) Typing() bool {
	_, isInput := f.form.GetFocusedField().(*huh.Input)
	return !f.task.running && f.form.State == huh.StateNormal && isInput
}

func (f *formStep) CanLeave(msg tea.KeyPressMsg) bool {
	if f.task.running {
		return false
	}
	return msg.String() == "esc" || f.form.GetFocusedField() == f.first
}

func (f *formStep) ShortHelp() []key.Binding {
	if f.task.running || f.form.State != huh.StateNormal {
		return nil
	}
	return f.form.KeyBinds()
}

// FullHelp is the same keys: a form has no more.
func (f *formStep) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }

// update feeds msg to the spinner or the form and reports whether the form
// has just been completed.
func (f *formStep) update(msg tea.Msg) (completed bool, cmd tea.Cmd) {
	if f.task.running {
		return false, f.task.update(msg)
	}
	if f.form.State != huh.StateNormal {
		return false, nil
	}
	if _, ok := msg.(tea.KeyPressMsg); ok {
		f.err = nil
	}
	f.form, cmd = f.c.gate.update(f.form, msg)
	return f.form.State == huh.StateCompleted, cmd
}

// finish ends the running task. On error the form comes back, filled in,
// with the error above it.
func (f *formStep) finish(err error) tea.Cmd {
	f.task.running = false
	f.err = err
	if err != nil {
		return f.reset()
	}
	return nil
}

// view shows intro above the form, or instead of it the last error: on a
// small terminal the error and the form to fix it matter more.
func (f *formStep) view(intro, what string) string {
	st := f.c.styles
	switch {
	case f.task.running:
		return intro + "\n\n" + f.task.view(st, f.c.width, f.c.rt)
	case f.err != nil:
		return errorView(st, f.c.rt, f.c.width, what, f.err) + "\n\n" + f.form.View()
	}
	return intro + "\n\n" + f.form.View()
}
