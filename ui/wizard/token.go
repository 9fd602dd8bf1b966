package wizard

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/termsafe"
	"github.com/systembruker/systembruker/ui/styles"
)

type (
	// tokenMsg is a fetched token, decoded and (when it could be) verified.
	tokenMsg struct {
		res       *flows.TokenResult
		in        *flows.Inspection
		verifyErr error
		err       error
	}
	tokenCopiedMsg struct{ err error }
	// tokenTickMsg moves the countdown; gen drops the ticks of an older
	// token, so that one chain of ticks runs at a time.
	tokenTickMsg struct{ gen int }
)

// tokenCheck fetches a token with the profile's client and shows it
// decoded, with a live countdown to its expiry. The token itself is never
// shown, only copied on request.
type tokenCheck struct {
	c       *common
	ans     *tokenAnswers
	missing string // why no token can be fetched yet

	form  *huh.Form
	first huh.Field
	job   job

	res       *flows.TokenResult
	in        *flows.Inspection
	verifyErr error
	err       error
	vp        viewport.Model
	status    string
	gen       int
}

func newTokenCheck(c *common) screen {
	t := &tokenCheck{c: c, job: newJob(), ans: &tokenAnswers{Scopes: append([]string(nil), c.rt.Facts.Scopes...)}}
	t.vp = viewport.New()
	t.vp.SoftWrap = true
	t.vp.KeyMap.Left.SetEnabled(false)
	t.vp.KeyMap.Right.SetEnabled(false)
	t.prepare()
	return t
}

// prepare shows the form when a token can be fetched, else says why not.
func (t *tokenCheck) prepare() tea.Cmd {
	ok, why := tokenReady(t.c.rt)
	if !ok {
		t.missing, t.form, t.first = why, nil, nil
		return nil
	}
	t.missing = ""
	return t.buildForm()
}

func (t *tokenCheck) buildForm() tea.Cmd {
	a := t.ans
	t.res, t.err, t.status = nil, nil, ""
	t.form = t.c.newForm(
		requestGroup(t.c.rt, a),
		externalRefGroup(a).WithHideFunc(func() bool { return strings.TrimSpace(a.Customer) == "" }),
		altinnGroup(a),
	)
	t.first = t.form.GetFocusedField()
	return t.form.Init()
}

func (t *tokenCheck) Init() tea.Cmd {
	if t.form == nil {
		return nil
	}
	return t.form.Init()
}

func (t *tokenCheck) Title() string { return "Token check" }

func (t *tokenCheck) showing() bool { return t.res != nil || t.err != nil }

func (t *tokenCheck) Typing() bool {
	if t.job.running || t.showing() || t.form == nil || t.form.State != huh.StateNormal {
		return false
	}
	_, isInput := t.form.GetFocusedField().(*huh.Input)
	return isInput
}

func (t *tokenCheck) CanLeave(msg tea.KeyPressMsg) bool {
	if t.job.running || t.showing() {
		return false
	}
	return msg.String() == "esc" || t.form == nil || t.form.GetFocusedField() == t.first
}

func (t *tokenCheck) SetSize(w, h int) {
	if t.form != nil {
		t.form.WithWidth(w)
		t.form.Update(tea.WindowSizeMsg{Width: w, Height: h})
	}
	t.vp.SetWidth(w)
	t.layout()
}

func (t *tokenCheck) ShortHelp() []key.Binding {
	k := t.c.keys
	switch {
	case t.job.running:
		return nil
	case t.missing != "":
		return []key.Binding{k.Onboard}
	case t.err != nil:
		return []key.Binding{withHelp(k.Retry, "r", "try again")}
	case t.res != nil:
		alt := "exchange for Altinn"
		if t.ans.Altinn {
			alt = "Maskinporten token"
		}
		return []key.Binding{k.Copy, k.Retry, withHelp(k.Altinn, "a", alt)}
	case t.form != nil && t.form.State == huh.StateNormal:
		return t.form.KeyBinds()
	}
	return nil
}

func (t *tokenCheck) FullHelp() [][]key.Binding {
	out := [][]key.Binding{t.ShortHelp()}
	if t.res != nil {
		out = append(out, []key.Binding{t.c.keys.ScrollUp, t.c.keys.ScrollDown})
	}
	return out
}

func (t *tokenCheck) Update(msg tea.Msg) (screen, tea.Cmd) {
	cmd := t.update(msg)
	t.layout()
	return t, cmd
}

func (t *tokenCheck) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case jobLineMsg, jobDoneMsg:
		res, cmd := t.job.update(msg)
		if res, ok := res.(tokenMsg); ok {
			return t.fetched(res)
		}
		return cmd
	case tokenTickMsg:
		if msg.gen != t.gen || t.res == nil {
			return nil
		}
		return t.tick()
	case tokenCopiedMsg:
		t.status = copyStatus(t.c.styles, msg.err, "the token", "It is a secret: paste it only where it belongs.", false)
		return nil
	case revealMsg:
		// Back from the onboarding: the profile may have a client now. A
		// token still shown needs its countdown again (ticks went to the
		// screen on top).
		if t.missing != "" {
			return t.prepare()
		}
		if t.res != nil {
			t.gen++
			return t.tick()
		}
		return nil
	}
	k, isKey := msg.(tea.KeyPressMsg)
	switch {
	case t.job.running && isKey && key.Matches(k, t.c.keys.Back):
		t.job.stop()
		return t.buildForm()
	case t.job.running:
		_, cmd := t.job.update(msg)
		return cmd
	case isKey && t.missing != "":
		if key.Matches(k, t.c.keys.Onboard) {
			return t.c.push(newOnboard(t.c))
		}
		return nil
	case isKey && t.showing():
		return t.resultKey(k)
	}
	return t.updateForm(msg)
}

func (t *tokenCheck) updateForm(msg tea.Msg) tea.Cmd {
	if t.form == nil || t.form.State != huh.StateNormal {
		return nil
	}
	var cmd tea.Cmd
	t.form, cmd = t.c.gate.update(t.form, msg)
	if t.form.State != huh.StateCompleted {
		return cmd
	}
	return tea.Batch(cmd, t.fetch(false))
}

func (t *tokenCheck) resultKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.c.keys
	switch {
	case key.Matches(msg, k.Back):
		return t.buildForm()
	case key.Matches(msg, k.Retry):
		return t.fetch(true)
	case key.Matches(msg, k.Altinn) && t.res != nil:
		t.ans.Altinn = !t.ans.Altinn
		return t.fetch(false)
	case key.Matches(msg, k.Copy) && t.res != nil:
		t.status = ""
		clip, tok := t.c.clip, t.res.AccessToken
		// OSC 52 through the terminal (works over SSH where allowed) and
		// the system clipboard (needs a desktop): both are tried, and the
		// status claims only what is known to have worked.
		return tea.Batch(tea.SetClipboard(tok), func() tea.Msg { return tokenCopiedMsg{clip(tok)} })
	}
	var cmd tea.Cmd
	t.vp, cmd = t.vp.Update(msg)
	return cmd
}

// fetch asks for a token as answered; noCache skips the token cache (r
// wants a fresh one).
func (t *tokenCheck) fetch(noCache bool) tea.Cmd {
	rt, req := t.c.rt, t.ans.request(noCache)
	what := "Fetching a Maskinporten token"
	if req.Altinn {
		what = "Fetching a Maskinporten token and exchanging it at Altinn"
	}
	if err := connect(t.c); err != nil {
		t.err = err
		return nil
	}
	return t.job.start(what, func(ctx context.Context, _ flows.Progress) tea.Msg {
		res, err := rt.Token(ctx, req)
		if err != nil {
			return tokenMsg{err: err}
		}
		in, verr := rt.Inspect(ctx, res.AccessToken, true)
		if verr != nil {
			// Decoding needs no network; only the signature check failed.
			var err error
			if in, err = rt.Inspect(ctx, res.AccessToken, false); err != nil {
				return tokenMsg{err: err}
			}
		}
		return tokenMsg{res: res, in: in, verifyErr: verr}
	})
}

func (t *tokenCheck) fetched(m tokenMsg) tea.Cmd {
	t.res, t.in, t.verifyErr, t.err, t.status = m.res, m.in, m.verifyErr, m.err, ""
	t.form = nil
	t.vp.GotoTop()
	if m.err != nil {
		return nil
	}
	t.gen++
	return t.tick()
}

func (t *tokenCheck) tick() tea.Cmd {
	gen := t.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tokenTickMsg{gen} })
}

func (t *tokenCheck) layout() {
	if t.job.running {
		return
	}
	if t.res == nil {
		if t.form != nil && t.missing == "" {
			t.form.WithHeight(max(t.c.height-lipgloss.Height(t.intro())-1, 5))
		}
		return
	}
	t.vp.SetWidth(t.c.width)
	t.vp.SetContent(t.decoded())
	used := lipgloss.Height(t.top()) + 1
	if t.status != "" {
		used += lipgloss.Height(wrap(t.status, t.c.width)) + 1
	}
	t.vp.SetHeight(max(t.c.height-used, 3))
}

func (t *tokenCheck) View() string {
	st := t.c.styles
	w := t.c.width
	switch {
	case t.job.running:
		return t.intro() + "\n\n" + t.job.view(t.c)
	case t.missing != "":
		return wrap(t.missing+" Press o to set one up in the Maskinporten client step; this screen is ready when you come back.", w)
	case t.err != nil:
		return errorView(st, t.c.rt, w, "Could not fetch a token", t.err) + "\n\n" +
			wrap(st.Muted.Render("r tries again; esc changes the request."), w)
	case t.res != nil:
		out := t.top() + "\n" + t.vp.View()
		if t.status != "" {
			out += "\n\n" + wrap(t.status, w)
		}
		return out
	}
	return t.intro() + "\n\n" + t.form.View()
}

func (t *tokenCheck) intro() string {
	f := t.c.rt.Facts
	return wrap("A real token from Maskinporten with client "+f.ClientID+" and key "+f.KeyName+
		". Give a customer for a system-user token.", t.c.width)
}

// top is the token's kind and its live countdown.
func (t *tokenCheck) top() string {
	st := t.c.styles
	kind := "Maskinporten token"
	if t.res.Altinn {
		kind = "Altinn token"
	}
	exp := t.res.ExpiresAt
	if t.in != nil && t.in.ExpiresAt != nil && t.res.Altinn {
		exp = *t.in.ExpiresAt
	}
	now := t.c.rt.Now()
	left := flows.Expiry(exp, now)
	state := st.OK.Render(styles.GlyphOK + " " + kind)
	if !now.Before(exp) {
		state = st.Err.Render(styles.GlyphErr+" "+kind) + " " + st.Err.Render("expired:")
		left += " (r fetches a new one)"
	}
	return wrap(state+" "+left+st.Muted.Render(" · "+tokenSource(t.res)), t.c.width)
}

// tokenSource says where the token came from: the cache, Altinn's
// exchange, or Maskinporten.
func tokenSource(res *flows.TokenResult) string {
	switch {
	case res.FromCache:
		return "from the token cache (r fetches a fresh one)"
	case res.Altinn:
		return "exchanged at Altinn for a Maskinporten token"
	}
	return "fresh from Maskinporten"
}

// decoded is the token in words, then its header and claims.
func (t *tokenCheck) decoded() string {
	st := t.c.styles
	w := t.c.width
	in := t.in
	var b strings.Builder
	if in != nil {
		expiry := ""
		if in.Expiry != "" {
			expiry = strings.ToUpper(in.Expiry[:1]) + in.Expiry[1:]
		}
		for _, s := range in.Summary {
			// The countdown above replaces the summary's frozen expiry, and
			// the verification is said below in the wizard's words.
			if (expiry != "" && strings.HasPrefix(s, expiry)) || strings.HasPrefix(s, "Not verified:") {
				continue
			}
			b.WriteString("• " + strings.ReplaceAll(wrap(s, w-2), "\n", "\n  ") + "\n")
		}
		if t.verifyErr != nil {
			b.WriteString(errorView(st, t.c.rt, w, "Signature not verified", t.verifyErr) + "\n")
		}
	}
	b.WriteString("\n" + st.Subtitle.Render("Claims") + "\n" + prettyJSON(t.res.Claims) + "\n")
	b.WriteString(st.Subtitle.Render("Header") + "\n" + prettyJSON(t.res.Header) + "\n")
	return b.String()
}

func prettyJSON(v map[string]any) string {
	if v == nil {
		return "(not a JWT: nothing to decode)"
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(termsafe.JSON(b))
}
