package wizard

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// obStep is a sub-step of the onboarding screen.
type obStep int

const (
	obOrg      obStep = iota // organisation → flows.SetOrg
	obPath                   // API or portal
	obAdmin                  // API: the admin client (not in the embedded sandbox)
	obClient                 // name, scopes, key
	obPropose                // API: the proposal and the confirmation
	obGuide                  // portal: the steps and the key to paste
	obClientID               // portal: the client id pasted back
	obResult                 // what was recorded and the proof
)

var obStepNames = map[obStep]string{
	obOrg: "Organisation", obPath: "Path", obAdmin: "Admin client", obClient: "Client",
	obPropose: "Confirm", obGuide: "Portal", obClientID: "Client id", obResult: "Done",
}

// Results of the onboarding's jobs.
type (
	adminSetMsg struct {
		key string // the admin key, imported or chosen
		err error
	}
	portalMsg struct {
		guide *flows.PortalGuide
		err   error
	}
	sandboxClientMsg struct {
		id  string
		err error
	}
	// setupMsg ends both paths: the client is recorded (or not: err), and
	// the proof fetched a token (or proofErr says why not).
	setupMsg struct {
		created  *flows.ClientResult // API path
		proofErr error
		err      error
	}
)

// onboard is the "Maskinporten client" step: organisation, then the API
// path (the wizard creates the client with an admin client) or the portal
// path (the vendor creates it in Digdir's portal with the key and steps the
// wizard gives), and in both a token that proves the set-up. Esc goes back
// one sub-step with the answers kept; from the first it leaves.
type onboard struct {
	c    *common
	ans  *onboardAnswers
	step obStep
	back []obStep
	keys []flows.KeyStatus

	form  *huh.Form
	first huh.Field
	scope *huh.Input // the client step's scope field, whose description follows the typing
	job   job
	err   error  // the last failure, above the step that can fix it
	note  string // a notice above the step (what just happened)

	vp    viewport.Model // the long pages: proposal, portal guide, result
	guide *flows.PortalGuide
	// The portal guide's file prompt, open after w.
	path     string
	pathForm *huh.Form
	status   string

	scopesAsked bool // the available scopes were asked for (API path)

	// The result.
	created   *flows.ClientResult
	adminNote string
	proofErr  error
}

func newOnboard(c *common) screen {
	o := &onboard{c: c, ans: newOnboardAnswers(c.rt), job: newJob()}
	o.vp = viewport.New()
	o.vp.SoftWrap = true
	o.vp.KeyMap.Left.SetEnabled(false)
	o.vp.KeyMap.Right.SetEnabled(false)
	if f := c.rt.Facts; f.ClientID != "" {
		o.note = "This profile already records client " + f.ClientID + " in " + c.rt.Env.Name +
			". Going through the steps again sets up (or records) another client in its place."
	}
	o.buildForm()
	return o
}

func (o *onboard) Init() tea.Cmd {
	if o.form == nil {
		return nil
	}
	return o.form.Init()
}

func (o *onboard) Title() string { return "Maskinporten client" }

func (o *onboard) Typing() bool {
	if o.job.running {
		return false
	}
	f := o.form
	if o.pathForm != nil {
		f = o.pathForm
	}
	if f == nil || f.State != huh.StateNormal {
		return false
	}
	_, isInput := f.GetFocusedField().(*huh.Input)
	return isInput
}

// CanLeave: only from the first sub-step (the result says goodbye
// itself), never while work runs.
func (o *onboard) CanLeave(msg tea.KeyPressMsg) bool {
	if o.job.running || o.pathForm != nil || len(o.back) > 0 || o.step == obResult {
		return false
	}
	return msg.String() == "esc" || o.form == nil || o.form.GetFocusedField() == o.first
}

func (o *onboard) SetSize(w, h int) {
	for _, f := range []*huh.Form{o.form, o.pathForm} {
		if f != nil {
			f.WithWidth(w)
			f.Update(tea.WindowSizeMsg{Width: w, Height: h})
		}
	}
	o.vp.SetWidth(w)
	o.layout()
}

func (o *onboard) ShortHelp() []key.Binding {
	k := o.c.keys
	switch {
	case o.job.running:
		return nil
	case o.pathForm != nil:
		return o.pathForm.KeyBinds()
	case o.step == obGuide:
		out := []key.Binding{k.Copy, withHelp(k.Write, "w", "write"), withHelp(k.Continue, "enter", "client id")}
		if o.c.rt.Env.Embedded {
			out = append(out, k.Sandbox)
		}
		return out
	case o.step == obResult:
		if o.proofErr != nil {
			return []key.Binding{withHelp(k.Retry, "r", "try the token again"), k.TokenCheck}
		}
		return []key.Binding{k.TokenCheck}
	case o.form != nil && o.form.State == huh.StateNormal:
		return o.form.KeyBinds()
	}
	return nil
}

func (o *onboard) FullHelp() [][]key.Binding {
	k := o.c.keys
	out := [][]key.Binding{o.ShortHelp()}
	if o.step == obPropose || o.step == obGuide || o.step == obResult {
		out = append(out, []key.Binding{k.ScrollUp, k.ScrollDown})
	}
	return out
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// goTo moves forward to step, remembering where to come back to.
func (o *onboard) goTo(step obStep) tea.Cmd {
	o.back = append(o.back, o.step)
	o.step, o.err, o.note, o.status = step, nil, "", ""
	o.vp.GotoTop()
	if step == obClient && o.ans.Path == pathAPI && !o.scopesAsked {
		o.scopesAsked = true
		o.form, o.first = nil, nil
		return o.fetchScopes()
	}
	return o.buildForm()
}

// goBack returns to the previous sub-step; its form shows the answers.
func (o *onboard) goBack() tea.Cmd {
	o.step = o.back[len(o.back)-1]
	o.back = o.back[:len(o.back)-1]
	o.err, o.note, o.status = nil, "", ""
	return o.buildForm()
}

// buildForm makes the current sub-step's form afresh: a huh form is
// single-use, and the answers live outside it.
func (o *onboard) buildForm() tea.Cmd {
	rt, a := o.c.rt, o.ans
	o.scope = nil
	var groups []*huh.Group
	switch o.step {
	case obOrg:
		groups = []*huh.Group{orgGroup(rt, a, false)}
	case obPath:
		groups = []*huh.Group{pathGroup(rt, a)}
	case obAdmin:
		o.reloadKeys()
		if rt.Facts.AdminClientID != "" && rt.Facts.AdminKey != "" {
			groups = append(groups, recordedAdminGroup(rt, a))
		} else {
			a.RecordedAdmin = false
		}
		importing := func() bool { return a.RecordedAdmin || a.AdminKey != importP12 }
		groups = append(groups,
			adminGroup(rt, a, o.keys, false).WithHideFunc(func() bool { return a.RecordedAdmin }),
			p12Group(a).WithHideFunc(importing),
			p12PasswordGroup(a).WithHideFunc(importing),
		)
	case obClient:
		o.reloadKeys()
		if a.Key == "" && o.hasKey(a.NewKey) {
			// Made on an earlier pass (then cancelled or gone back from):
			// offer it as the existing key it now is.
			a.Key, a.NewKey = a.NewKey, rt.DefaultKeyName()
		}
		o.scope = scopeInput(a, o.c.width, false)
		groups = []*huh.Group{clientGroup(a, o.scope, o.c.width, false), keyGroup(rt, a, o.keys)}
	case obPropose:
		a.Confirm, a.Typed = true, ""
		groups = []*huh.Group{confirmGroup(rt, a, false)}
	case obClientID:
		groups = []*huh.Group{clientIDGroup(a, o.c.width)}
	default:
		o.form, o.first = nil, nil
		o.layout()
		return nil
	}
	o.form = o.c.newForm(groups...)
	o.first = o.form.GetFocusedField()
	o.layout()
	return o.form.Init()
}

func (o *onboard) reloadKeys() {
	keys, err := o.c.rt.ListKeys()
	if err != nil {
		o.err = err
	}
	o.keys = keys
}

func (o *onboard) hasKey(name string) bool {
	for _, k := range o.keys {
		if k.Name == name {
			return true
		}
	}
	return false
}

func (o *onboard) Update(msg tea.Msg) (screen, tea.Cmd) {
	cmd := o.update(msg)
	o.layout()
	return o, cmd
}

func (o *onboard) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case jobLineMsg, jobDoneMsg:
		res, cmd := o.job.update(msg)
		if res == nil {
			return cmd
		}
		return o.finished(res)
	case copiedMsg:
		o.status = copyStatus(o.c.styles, msg.err, "the key", "Paste it into the portal's key field.", true)
		return nil
	case writtenMsg:
		if msg.err != nil {
			o.status = errorView(o.c.styles, o.c.rt, o.c.width, "Could not write the file", msg.err)
		} else {
			o.status = o.c.styles.OK.Render(styles.GlyphOK+" Wrote "+msg.path) + " (public key only: safe to share)."
		}
		return nil
	case revealMsg:
		return nil // back from the Token check
	}
	if o.job.running {
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, o.c.keys.Back) {
			o.job.stop()
			o.note = "Stopped. What was finished is recorded; doing the step again completes it."
			return o.buildForm()
		}
		_, cmd := o.job.update(msg)
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if done, cmd := o.key(k); done {
			return cmd
		}
	}
	if o.pathForm != nil {
		return o.updatePathForm(msg)
	}
	return o.updateForm(msg)
}

// key handles the keys the screen owns, before any form sees them.
func (o *onboard) key(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := o.c.keys
	if o.pathForm != nil {
		if key.Matches(msg, k.Back) {
			o.pathForm = nil
			return true, nil
		}
		return true, o.updatePathForm(msg)
	}
	back := msg.String() == "esc" ||
		(key.Matches(msg, k.Back) && (o.form == nil || o.form.GetFocusedField() == o.first))
	switch {
	case back && o.step == obResult:
		return true, o.c.pop(o.farewell(), "")
	case back && len(o.back) > 0:
		return true, o.goBack()
	case o.step == obGuide:
		return true, o.guideKey(msg)
	case o.step == obResult:
		return true, o.resultKey(msg)
	case o.step == obPropose && slices.Contains([]string{"up", "down", "pgup", "pgdown"}, msg.String()):
		var cmd tea.Cmd
		o.vp, cmd = o.vp.Update(msg)
		return true, cmd
	}
	o.err = nil
	return false, nil
}

func (o *onboard) updateForm(msg tea.Msg) tea.Cmd {
	if o.form == nil || o.form.State != huh.StateNormal {
		return nil
	}
	var cmd tea.Cmd
	o.form, cmd = o.c.gate.update(o.form, msg)
	if o.scope != nil {
		o.scope.Description(scopeDescription(o.ans, o.c.width))
	}
	if o.form.State != huh.StateCompleted {
		return cmd
	}
	return tea.Batch(cmd, o.completed())
}

// completed acts on a finished sub-step form.
func (o *onboard) completed() tea.Cmd {
	rt, a := o.c.rt, o.ans
	switch o.step {
	case obOrg:
		prevName := rt.Facts.OrgName
		if err := rt.SetOrg(a.OrgNo, a.OrgName); err != nil {
			o.err = err
			return o.buildForm()
		}
		a.orgRecorded(rt, prevName)
		return o.goTo(obPath)
	case obPath:
		if a.Path == pathAPI && needsAdminForm(rt) {
			return o.goTo(obAdmin)
		}
		return o.goTo(obClient)
	case obAdmin:
		return o.setAdmin()
	case obClient:
		if a.Path == pathAPI {
			return o.goTo(obPropose)
		}
		return o.preparePortal()
	case obPropose:
		if !a.confirmed(rt.Env.IsProd()) {
			return o.goBack()
		}
		return o.create()
	case obClientID:
		return o.accept()
	}
	return nil
}
