package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/keystore"
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

// availableScopesMsg carries the scopes the organisation may use.
type availableScopesMsg struct{ names []string }

// fetchScopes asks Digdir which scopes the organisation may use, for the
// scope field's description and suggestions. It is an aid: a failure only
// leaves the field as it was.
func (o *onboard) fetchScopes() tea.Cmd {
	rt := o.c.rt
	if err := connect(o.c); err != nil {
		return o.buildForm()
	}
	return o.job.start("Looking up the scopes your organisation may use", func(ctx context.Context, say flows.Progress) tea.Msg {
		api, err := rt.SelfService(ctx, say)
		if err != nil {
			return availableScopesMsg{}
		}
		scopes, err := rt.AvailableScopes(ctx, api)
		if err != nil {
			return availableScopesMsg{}
		}
		var names []string
		for _, s := range scopes {
			if !slices.Contains(flows.SystemUserScopes, s.Name) && !slices.Contains(flows.DelegationScopes, s.Name) {
				names = append(names, s.Name) // those two sets are proposed anyway
			}
		}
		return availableScopesMsg{names}
	})
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
		groups = []*huh.Group{clientGroup(a, false), keyGroup(rt, a, o.keys)}
	case obPropose:
		a.Confirm, a.Typed = true, ""
		groups = []*huh.Group{confirmGroup(rt, a, false)}
	case obClientID:
		groups = []*huh.Group{clientIDGroup(a)}
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
			o.status = errorView(o.c.styles, o.c.width, "Could not write the file", msg.err)
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
	m, cmd := o.form.Update(msg)
	o.form = m.(*huh.Form)
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

// setAdmin records the admin client, importing the virksomhetssertifikat
// first when that was chosen.
func (o *onboard) setAdmin() tea.Cmd {
	rt, a := o.c.rt, *o.ans
	o.ans.P12Password = "" // never kept longer than one attempt
	if a.RecordedAdmin {
		return o.goTo(obClient)
	}
	name := uniqueKeyName(rt, rt.ProfileName+"-"+rt.Env.Name+"-admin")
	return o.job.start("Recording the admin client", func(ctx context.Context, say flows.Progress) tea.Msg {
		keyName := a.AdminKey
		if keyName == importP12 {
			say("Importing " + a.P12Path + " into the " + storeWords(rt) + " as key " + name)
			info, err := rt.ImportKey(name, flows.FormatP12, expandHome(a.P12Path), a.P12Password)
			if err != nil {
				return adminSetMsg{err: err}
			}
			keyName = info.Name
		}
		return adminSetMsg{keyName, rt.SetAdmin(a.AdminClientID, keyName)}
	})
}

// create is the API path's write: the admin client (in the embedded
// sandbox set up on first use), the key, the client, then the proof.
func (o *onboard) create() tea.Cmd {
	rt, a := o.c.rt, *o.ans
	spec := a.spec()
	spec.KeyName = a.keyName()
	if err := connect(o.c); err != nil {
		o.err = err
		return o.buildForm()
	}
	return o.job.start("Creating the client in "+rt.Env.Name, func(ctx context.Context, say flows.Progress) tea.Msg {
		res, err := createClient(ctx, rt, spec, say)
		if err != nil {
			return setupMsg{err: err}
		}
		say("Client " + res.Client.ClientID + " is recorded; fetching a token to prove it")
		_, err = rt.ProveProfile(ctx, say)
		return setupMsg{created: res, proofErr: err}
	})
}

// createClient is the API path's write: the self-service API as the admin
// client (in the embedded sandbox set up on first use), the key, then the
// client, or the organisation's client of that name when there is one, so
// that doing the step twice does not make two.
func createClient(ctx context.Context, rt *flows.Runtime, spec flows.ClientSpec, say flows.Progress) (*flows.ClientResult, error) {
	api, err := rt.SelfService(ctx, say)
	if err != nil {
		return nil, err
	}
	if err := ensureKey(rt, spec.KeyName, say); err != nil {
		return nil, err
	}
	existing, err := rt.FindClient(ctx, api, spec.Name)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		say(fmt.Sprintf("A client named %q exists (%s): reusing it, adding what it lacks.", existing.ClientName, existing.ClientID))
	}
	return rt.CreateClient(ctx, api, spec, existing)
}

// ensureKey generates the key unless it exists (made on an earlier pass).
func ensureKey(rt *flows.Runtime, name string, say flows.Progress) error {
	_, err := rt.Keys.Info(name)
	if !errors.Is(err, keystore.ErrNotFound) {
		return err
	}
	say("Generating key " + name + " (RSA 2048) in the " + storeWords(rt))
	_, err = rt.GenerateKey(name, 2048)
	return err
}

func (o *onboard) preparePortal() tea.Cmd {
	rt, a := o.c.rt, *o.ans
	req := flows.PortalRequest{Name: a.Name, Description: a.Description, Scopes: a.scopes(),
		Delegation: a.Delegation, KeyName: a.keyName(), Bits: 2048}
	return o.job.start("Preparing the key and the portal steps", func(context.Context, flows.Progress) tea.Msg {
		g, err := rt.PreparePortal(req)
		return portalMsg{g, err}
	})
}

func (o *onboard) accept() tea.Cmd {
	rt, id := o.c.rt, strings.TrimSpace(o.ans.ClientID)
	if err := connect(o.c); err != nil {
		o.err = err
		return o.buildForm()
	}
	return o.job.start("Checking client "+id+" with a token", func(ctx context.Context, say flows.Progress) tea.Msg {
		_, err := rt.AcceptClientID(ctx, id, say)
		var pe *flows.ProofError
		if errors.As(err, &pe) {
			return setupMsg{proofErr: err}
		}
		return setupMsg{err: err}
	})
}

// finished acts on a job's result.
func (o *onboard) finished(res tea.Msg) tea.Cmd {
	switch res := res.(type) {
	case adminSetMsg:
		if res.key != "" {
			// An imported certificate is a keystore key now: back here, it is
			// offered as one instead of being imported twice.
			o.ans.AdminKey = res.key
		}
		if res.err != nil {
			o.err = res.err
			return o.buildForm()
		}
		return o.goTo(obClient)
	case portalMsg:
		if res.err != nil {
			o.err = res.err
			return o.buildForm()
		}
		o.guide = res.guide
		o.path = res.guide.KeyName + ".jwks.json"
		return o.goTo(obGuide)
	case availableScopesMsg:
		o.ans.Available = res.names
		if note := o.job.saidLine("Sandbox:"); note != "" {
			o.adminNote = note // the look-up set up the sandbox's admin client
		}
		return o.buildForm()
	case sandboxClientMsg:
		if res.err != nil {
			o.err = res.err
			return nil
		}
		o.ans.ClientID = res.id
		cmd := o.goTo(obClientID)
		o.note = "The sandbox played Digdir's portal: it made client " + res.id +
			" with your key, as you would by hand. Its id is filled in below: press enter to check it."
		return cmd
	case setupMsg:
		if res.err != nil {
			o.err = res.err
			return o.buildForm()
		}
		o.created, o.proofErr = res.created, res.proofErr
		if note := o.job.saidLine("Sandbox:"); note != "" {
			o.adminNote = note
		}
		// The client is written: going back into the answers that made it
		// would only confuse. Esc now leaves.
		o.back, o.step, o.err, o.note = nil, obResult, nil, ""
		o.form, o.first = nil, nil
		o.vp.GotoTop()
		return nil
	}
	return nil
}

func (o *onboard) guideKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.c.keys
	switch {
	case key.Matches(msg, k.Copy):
		o.status = ""
		clip, text := o.c.clip, o.guide.Paste
		return tea.Batch(tea.SetClipboard(text), func() tea.Msg { return copiedMsg{clip(text)} })
	case key.Matches(msg, k.Write):
		o.status = ""
		o.pathForm = o.c.newForm(huh.NewGroup(huh.NewInput().
			Title("Write the key (JWKS) to").
			Description("A file path; an existing file is replaced. It holds no secret.").
			Value(&o.path).
			Validate(func(p string) error {
				if strings.TrimSpace(p) == "" {
					return errors.New("give a file path")
				}
				return nil
			})))
		return o.pathForm.Init()
	case key.Matches(msg, k.Continue):
		return o.goTo(obClientID)
	case key.Matches(msg, k.Sandbox) && o.c.rt.Env.Embedded:
		rt, g := o.c.rt, o.guide
		if err := connect(o.c); err != nil {
			o.err = err
			return nil
		}
		return o.job.start("The sandbox plays Digdir's portal", func(ctx context.Context, _ flows.Progress) tea.Msg {
			id, err := rt.SandboxPortal(ctx, g)
			return sandboxClientMsg{id, err}
		})
	}
	var cmd tea.Cmd
	o.vp, cmd = o.vp.Update(msg)
	return cmd
}

func (o *onboard) updatePathForm(msg tea.Msg) tea.Cmd {
	f, cmd := o.pathForm.Update(msg)
	o.pathForm = f.(*huh.Form)
	if o.pathForm.State != huh.StateCompleted {
		return cmd
	}
	o.pathForm = nil
	path, text := expandHome(o.path), o.guide.JWKS+"\n"
	return func() tea.Msg {
		abs, err := filepath.Abs(path)
		if err == nil {
			// 0644: a JWKS is public, and the portal's upload reads it.
			err = atomicfile.Write(abs, []byte(text), 0o644)
		}
		return writtenMsg{abs, err}
	}
}

func (o *onboard) resultKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.c.keys
	switch {
	case key.Matches(msg, k.TokenCheck):
		return o.c.push(newTokenCheck(o.c))
	case key.Matches(msg, k.Retry) && o.proofErr != nil:
		rt := o.c.rt
		created := o.created
		if err := connect(o.c); err != nil {
			o.proofErr = err
			return nil
		}
		return o.job.start("Fetching a token to prove the client", func(ctx context.Context, say flows.Progress) tea.Msg {
			_, err := rt.ProveProfile(ctx, say)
			return setupMsg{created: created, proofErr: err}
		})
	}
	var cmd tea.Cmd
	o.vp, cmd = o.vp.Update(msg)
	return cmd
}

// farewell is home's notice when the screen closes on its result.
func (o *onboard) farewell() string {
	f := o.c.rt.Facts
	if o.proofErr != nil {
		return o.c.styles.Warn.Render(styles.GlyphWarn+" Client "+f.ClientID+" is recorded, but no token yet.") +
			" Open Tokens to try again."
	}
	return o.c.styles.OK.Render(styles.GlyphOK+" Client "+f.ClientID+" is set up and proven.") +
		" Open Tokens for a token."
}

// uniqueKeyName is base, or base-2, base-3… when taken.
func uniqueKeyName(rt *flows.Runtime, base string) string {
	name := base
	for i := 2; ; i++ {
		if _, err := rt.Keys.Info(name); errors.Is(err, keystore.ErrNotFound) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// p12PasswordGroup asks for the .p12 file's password.
func p12PasswordGroup(a *onboardAnswers) *huh.Group {
	return huh.NewGroup(huh.NewInput().
		Title("Password for the .p12 file").
		Description("It unlocks the file once; the key is then kept in the keystore without it.").
		EchoMode(huh.EchoModePassword).
		Value(&a.P12Password))
}

// layout gives the form or the scrolling page whatever height the rest
// leaves, so that the breadcrumbs and errors above stay in view.
func (o *onboard) layout() {
	if o.job.running {
		// The page is not shown, and the job may be writing the facts
		// it is made of.
		return
	}
	switch o.step {
	case obPropose, obGuide, obResult:
	default:
		if o.form != nil {
			o.form.WithHeight(max(o.c.height-lipgloss.Height(o.header())-1, 5))
		}
		return
	}
	o.vp.SetWidth(o.c.width)
	o.vp.SetContent(o.pageText())
	used := lipgloss.Height(o.header()) + 1
	if f := o.footer(); f != "" {
		used += lipgloss.Height(f) + 1
	}
	o.vp.SetHeight(max(o.c.height-used, 3))
}

func (o *onboard) View() string {
	out := o.header() + "\n"
	switch {
	case o.job.running:
		return out + o.job.view(o.c)
	case o.step == obPropose || o.step == obGuide || o.step == obResult:
		out += o.vp.View()
		if f := o.footer(); f != "" {
			out += "\n\n" + f
		}
		return out
	}
	if o.form != nil {
		out += o.form.View()
	}
	return out
}

// header is where the step stands (the path so far), then the notice or
// error of the moment.
func (o *onboard) header() string {
	st := o.c.styles
	steps := []obStep{obOrg, obPath}
	switch {
	case o.ans.Path == pathAPI && needsAdminForm(o.c.rt):
		steps = append(steps, obAdmin, obClient, obPropose)
	case o.ans.Path == pathAPI:
		steps = append(steps, obClient, obPropose)
	default:
		steps = append(steps, obClient, obGuide, obClientID)
	}
	steps = append(steps, obResult)
	var crumbs []string
	for _, s := range steps {
		if s == o.step {
			crumbs = append(crumbs, st.Selected.Render(obStepNames[s]))
		} else {
			crumbs = append(crumbs, st.Muted.Render(obStepNames[s]))
		}
	}
	out := truncateLines(strings.Join(crumbs, st.Muted.Render(" › ")), o.c.width)
	if o.step == obOrg {
		out += "\n" + wrap(o.envIntro(), o.c.width)
	}
	if o.note != "" {
		out += "\n" + wrap(o.note, o.c.width)
	}
	if o.err != nil {
		out += "\n" + errorView(st, o.c.width, o.errWhat(), o.err)
	}
	return out
}

// envIntro says, on the first sub-step, where all this happens.
func (o *onboard) envIntro() string {
	st := o.c.styles
	env := o.c.rt.Env
	switch {
	case env.IsProd():
		return st.Err.Render("PRODUCTION.") + " The client is real and serves real customers; creating it needs \"prod\" typed out."
	case env.Name == "test":
		return st.Subtitle.Render("TEST environment") + " (test.maskinporten.no, TT02). Use --env prod for production."
	case env.Embedded:
		return st.Subtitle.Render("SANDBOX") + ": the embedded simulator plays Maskinporten, Digdir and Altinn. " +
			"Nothing leaves this machine. Use --env test for Digdir's test environment."
	}
	return st.Subtitle.Render(strings.ToUpper(env.Name)) + ": the simulator at " + env.MaskinportenURL + "."
}

func (o *onboard) errWhat() string {
	switch o.step {
	case obOrg:
		return "Could not record the organisation"
	case obAdmin:
		return "Could not record the admin client"
	case obClient:
		return "Could not prepare the key"
	case obPropose:
		return "Could not create the client"
	case obGuide:
		return "The sandbox could not create the client"
	case obClientID:
		return "Could not use that client"
	}
	return "Failed"
}

// footer is what stays below a scrolling page: the confirmation, or the
// guide's file prompt and status.
func (o *onboard) footer() string {
	switch {
	case o.step == obPropose && o.form != nil:
		return o.form.View()
	case o.step == obGuide && o.pathForm != nil:
		return o.pathForm.View()
	case o.step == obGuide:
		return wrap(o.status, o.c.width)
	}
	return ""
}

func (o *onboard) pageText() string {
	switch o.step {
	case obPropose:
		return o.proposalText()
	case obGuide:
		return o.guideText()
	}
	return o.resultText()
}

// row is one value of a summary with, muted, why it is so: after the value
// when it fits there, else below it.
func (o *onboard) row(label, value, why string) string {
	const indent = 14
	st := o.c.styles
	pad := strings.Repeat(" ", indent)
	w := max(o.c.width-indent, 20)
	lines := strings.Split(wrap(value, w), "\n")
	if last := lines[len(lines)-1]; why != "" && lipgloss.Width(last)+3+lipgloss.Width(why) <= w {
		lines[len(lines)-1] = last + st.Muted.Render(" · "+why)
		why = ""
	}
	out := label + strings.Repeat(" ", max(indent-lipgloss.Width(label), 1)) + lines[0]
	for _, l := range lines[1:] {
		out += "\n" + pad + l
	}
	if why != "" {
		for _, l := range strings.Split(wrap(why, w), "\n") {
			out += "\n" + pad + st.Muted.Render(l)
		}
	}
	return out + "\n"
}

// proposalText is the client the API path will create, each value with
// the reason it has that value (fly launch's plan).
func (o *onboard) proposalText() string {
	var b strings.Builder
	b.WriteString(o.c.styles.Subtitle.Render("Create this Maskinporten client in "+o.c.rt.Env.Name+"?") +
		o.c.styles.Muted.Render(" Each value, and why.") + "\n")
	for _, r := range proposalRows(o.c.rt, o.ans) {
		b.WriteString(o.row(r.label, strings.Join(r.values, "\n"), r.why))
	}
	b.WriteString(wrap("Then a token proves that client, key and scopes work together.", o.c.width))
	return b.String()
}

// summaryRow is one value of a summary, for the screen and the accessible
// mode alike.
type summaryRow struct {
	label  string
	values []string
	why    string
}

func proposalRows(rt *flows.Runtime, a *onboardAnswers) []summaryRow {
	p := a.spec().Proposal()
	why := "yours"
	if strings.TrimSpace(a.Description) == "" {
		why = "the default: says who made it"
	}
	rows := []summaryRow{
		{"Name", []string{p.ClientName}, "Digdir's display name"},
		{"Description", []string{p.Description}, why},
		{"Scopes", flows.SystemUserScopes, "system register, requests"},
	}
	if a.Delegation {
		rows = append(rows, summaryRow{"", flows.DelegationScopes, "client delegations"})
	}
	if own := a.scopes(); len(own) > 0 {
		rows = append(rows, summaryRow{"", own, "yours, from service owners"})
	}
	if a.Key == "" {
		rows = append(rows, summaryRow{"Key", []string{a.keyName() + ", new RSA 2048"},
			"generated now; the client gets its public half, the private half stays in the " + storeWords(rt)})
	} else {
		rows = append(rows, summaryRow{"Key", []string{a.keyName()}, "your pick; the client gets its public half"})
	}
	rows = append(rows, summaryRow{"Organisation", []string{orgText(rt.Facts.OrgName, rt.Facts.OrgNo)}, "owns the client"})
	if admin := rt.Facts.AdminClientID; admin == "" && rt.Env.Embedded {
		rows = append(rows, summaryRow{"Admin client", []string{"the sandbox's"}, "set up automatically"})
	} else {
		rows = append(rows, summaryRow{"Admin client", []string{admin + " (key " + rt.Facts.AdminKey + ")"},
			"creates it through Digdir's self-service API"})
	}
	return rows
}

// recordedRows is what the profile records after the step.
func recordedRows(rt *flows.Runtime) []summaryRow {
	f := rt.Facts
	exp := "not known"
	if f.KeyExpires != nil {
		exp = f.KeyExpires.Format("2006-01-02")
	}
	return []summaryRow{
		{"Organisation", []string{orgText(f.OrgName, f.OrgNo)}, ""},
		{"Client id", []string{f.ClientID}, ""},
		{"Key", []string{f.KeyName}, ""},
		{"Key id (kid)", []string{f.KID}, ""},
		{"Key expires", []string{exp}, ""},
		{"Scopes", f.Scopes, ""},
	}
}

func orgText(name, no string) string {
	if name == "" {
		return no
	}
	return name + " (" + no + ")"
}

// guideText is the portal steps and the key to paste.
func (o *onboard) guideText() string {
	st := o.c.styles
	g := o.guide
	w := o.c.width
	var b strings.Builder
	steps := g.Steps
	switch {
	case g.Sandbox && o.c.rt.Env.Embedded:
		b.WriteString(wrap(st.Subtitle.Render("The sandbox has no web portal.")+
			" Press s and systembruker plays Digdir's portal: it creates the client with the key below, as you would by hand, and fills in its id. "+
			"In test and prod this page lists the portal's exact steps.", w) + "\n\n")
		steps = nil
	case g.Sandbox:
		b.WriteString(wrap(st.Subtitle.Render("This sandbox is a standalone simulator")+" (systembruker sim serve), so it has no web portal: "+
			"create the client through its control API (POST /sim/clients with the key below), as a vendor would in Digdir's portal, "+
			"then press enter and paste its client id.", w) + "\n\n")
		steps = nil
	default:
		b.WriteString(wrap(st.Subtitle.Render("Create the client in Digdir's self-service portal ("+g.Env+")"), w) + "\n")
	}
	for i, s := range steps {
		num := fmt.Sprintf("%d. ", i+1)
		lines := strings.Split(wrap(s, w-len(num)), "\n")
		b.WriteString(num + lines[0] + "\n")
		for _, l := range lines[1:] {
			b.WriteString(strings.Repeat(" ", len(num)) + l + "\n")
		}
	}
	if len(steps) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(wrap(st.Subtitle.Render("Key "+g.KeyName)+st.Muted.Render(" (kid "+g.KID+"): c copies it, w writes it to a file."), w) + "\n")
	b.WriteString(g.Paste + "\n")
	return b.String()
}

// resultText is what the step did and what the profile now records.
func (o *onboard) resultText() string {
	st := o.c.styles
	rt := o.c.rt
	w := o.c.width
	var b strings.Builder
	line := func(s string) { b.WriteString(wrap(s, w) + "\n") }
	// The ids are in the rows below, one per line, easy to copy.
	if c := o.created; c != nil {
		if c.Reused {
			line(st.OK.Render(styles.GlyphOK+" Reused client") + fmt.Sprintf(" %q: a client with this name existed.", c.Client.ClientName))
		} else {
			line(st.OK.Render(styles.GlyphOK+" Created client") + fmt.Sprintf(" %q.", c.Client.ClientName))
		}
		if c.Key != nil {
			line(st.OK.Render(styles.GlyphOK+" Registered the key") + " on it.")
		}
	} else {
		line(st.OK.Render(styles.GlyphOK+" Recorded the client") + " you made in the portal.")
	}
	if o.proofErr != nil {
		line(errorView(st, w, "No token yet", o.proofErr))
		if rt.Env.Name != "sandbox" {
			line(st.Muted.Render("Digdir can take minutes (up to 10) before a new client or key works; press r to try again."))
		}
	} else {
		line(st.OK.Render(styles.GlyphOK+" Proven:") + " Maskinporten issued a token for this client and key.")
	}
	if o.adminNote != "" {
		line(st.Muted.Render(o.adminNote))
	}
	b.WriteString(st.Subtitle.Render("Recorded in profile "+rt.ProfileName+" for "+rt.Env.Name) + "\n")
	for _, r := range recordedRows(rt) {
		b.WriteString(o.row(r.label, strings.Join(r.values, "\n"), r.why))
	}
	b.WriteString("\n" + wrap("Next: press t for the Token check, or esc to go home.", w))
	return b.String()
}
