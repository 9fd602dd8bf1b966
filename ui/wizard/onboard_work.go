package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/ui/styles"
)

// The onboarding screen's work: the jobs each sub-step starts, what their
// results do, and the keys of the pages that are not forms.

// availableScopesMsg carries the scopes the organisation may use.
type availableScopesMsg struct{ scopes []flows.AvailableScope }

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
		return availableScopesMsg{scopes}
	})
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
			cmd := o.buildForm()
			if errors.Is(res.err, keystore.ErrWrongPassword) {
				cmd = tea.Sequence(cmd, focusOn(o.form, p12PasswordKey))
			}
			return cmd
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
		o.ans.Available = res.scopes
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
	var cmd tea.Cmd
	o.pathForm, cmd = o.c.gate.update(o.pathForm, msg)
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
