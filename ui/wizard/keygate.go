package wizard

import (
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// keyGate keeps typed-ahead keys in step with the focus moves they cause.
// huh moves between fields with messages its commands send, which race
// with the keyboard: a key typed before such a message arrives reaches the
// field being left (the "y" meant for a yes/no question lands in the text
// field above it). So after a key that may move the focus, the keys that
// follow wait until the form's commands for it have run, then go on in
// order. Keys that only edit a text field never wait.
type keyGate struct {
	wait int64 // the settledMsg awaited; 0: none
	held []tea.KeyPressMsg
}

// settledMsg comes once the commands a form returned for a key have run
// and their messages (the focus move) have been handled.
type settledMsg struct{ id int64 }

var gateSeq atomic.Int64

// holds keeps msg for later when it is a key and a focus move is pending.
func (g *keyGate) holds(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || g.wait == 0 {
		return false
	}
	g.held = append(g.held, k)
	return true
}

// update feeds msg to f; every screen updates its forms through it. After
// a key that may move the focus, the next keys are held until the
// settledMsg that the returned command ends with.
func (g *keyGate) update(f *huh.Form, msg tea.Msg) (*huh.Form, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	moves := isKey && movesFocus(f, k)
	m, cmd := f.Update(msg)
	if !moves || cmd == nil {
		return m.(*huh.Form), cmd
	}
	id := gateSeq.Add(1)
	g.wait = id
	return m.(*huh.Form), tea.Sequence(cmd, func() tea.Msg { return settledMsg{id} })
}

// release takes msg if it is a settledMsg, and returns the keys held for
// the move it ends, to be replayed in order (the root model does).
func (g *keyGate) release(msg tea.Msg) (keys []tea.KeyPressMsg, ok bool) {
	s, ok := msg.(settledMsg)
	if !ok {
		return nil, false
	}
	if s.id != g.wait {
		return nil, true // an older move's
	}
	keys, g.wait, g.held = g.held, 0, nil
	return keys, true
}

// textNav are the keys that move on from a text field (huh's Input keymap:
// next, submit, previous).
var textNav = key.NewBinding(key.WithKeys("enter", "tab", "shift+tab"))

// movesFocus reports whether k may move f's focus: a text field's Enter,
// Tab or Shift+Tab, and any key of the other fields (a yes/no question
// moves on at "y").
func movesFocus(f *huh.Form, k tea.KeyPressMsg) bool {
	if f.State != huh.StateNormal {
		return false
	}
	if _, ok := f.GetFocusedField().(*huh.Input); ok {
		return key.Matches(k, textNav)
	}
	return true
}

// replay handles the keys held during a focus move, in order, until one of
// them starts another: the rest wait for that one.
func (m Model) replay(keys []tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for i, k := range keys {
		if m.c.gate.wait != 0 {
			m.c.gate.held = append(keys[i:len(keys):len(keys)], m.c.gate.held...)
			break
		}
		next, cmd := m.handleKey(k)
		m, cmds = next.(Model), append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}
