package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/huh/v2"
	"github.com/atotto/clipboard"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/ui/styles"
)

// The onboarding step in accessible mode: the same questions as the
// screen, asked one after the other, with the slow work reported line by
// line. Line prompts have no way back, so each choice is confirmed before
// anything is written.

// say prints a flow's progress line.
func (p *plain) say(s string) { p.println("  " + s) }

func (p *plain) onboard(ctx context.Context) error {
	rt := p.rt
	a := newOnboardAnswers(rt)
	p.println()
	p.println("Maskinporten client. " + plainEnv(rt))
	if f := rt.Facts; f.ClientID != "" {
		p.println("This profile already records client " + f.ClientID + "; going on sets up another in its place.")
	}
	prevName := rt.Facts.OrgName
	for {
		if err := p.run(ctx, orgGroup(rt, a, true)); err != nil {
			return err
		}
		err := rt.SetOrg(a.OrgNo, a.OrgName)
		if err == nil {
			break
		}
		p.fail("Could not record the organisation", err)
	}
	a.orgRecorded(rt, prevName)
	if err := p.run(ctx, pathGroup(rt, a)); err != nil {
		return err
	}
	if a.Path == pathAPI {
		return p.onboardAPI(ctx, a)
	}
	return p.onboardPortal(ctx, a)
}

// plainEnv says where the step happens, in words.
func plainEnv(rt *flows.Runtime) string {
	switch {
	case rt.Env.IsProd():
		return "PRODUCTION: the client is real; creating it needs prod typed out."
	case rt.Env.Name == "test":
		return "Environment: test (test.maskinporten.no, TT02)."
	case rt.Env.Embedded:
		return "Environment: sandbox, the embedded simulator; nothing leaves this machine."
	}
	return "Environment: " + rt.Env.Name + ", the simulator at " + rt.Env.MaskinportenURL + "."
}

// clientQuestions asks what the client is and which key it gets.
func (p *plain) clientQuestions(ctx context.Context, a *onboardAnswers) error {
	if err := p.run(ctx, clientGroup(a, scopeInput(a, 0, true), 0, true)); err != nil {
		return err
	}
	keys, err := p.rt.ListKeys()
	if err != nil {
		p.fail("Could not list keys", err)
	}
	return p.run(ctx, keyGroup(p.rt, a, keys))
}

func (p *plain) onboardAPI(ctx context.Context, a *onboardAnswers) error {
	rt := p.rt
	if needsAdminForm(rt) {
		if done, err := p.admin(ctx, a); err != nil || !done {
			return err
		}
	}
	if err := p.clientQuestions(ctx, a); err != nil {
		return err
	}
	p.println("Create this Maskinporten client in " + rt.Env.Name + "? Each value, and why:")
	p.printRows(proposalRows(rt, a))
	p.println("Then a token proves that client, key and scopes work together.")
	if err := p.run(ctx, confirmGroup(rt, a, true)); err != nil {
		return err
	}
	if !a.confirmed(rt.Env.IsProd()) {
		p.println("Nothing was created.")
		return nil
	}
	p.println("Creating the client…")
	spec := a.spec()
	spec.KeyName = a.keyName()
	res, err := createClient(ctx, rt, spec, p.say)
	if err != nil {
		p.fail("Could not create the client", err)
		return nil
	}
	if res.Reused {
		p.println(p.st.OK.Render(styles.GlyphOK) + fmt.Sprintf(" Reused client %q.", res.Client.ClientName))
	} else {
		p.println(p.st.OK.Render(styles.GlyphOK) + fmt.Sprintf(" Created client %q.", res.Client.ClientName))
	}
	p.prove(ctx)
	return nil
}

// admin asks for the admin client (not in the embedded sandbox) and
// records it. done is false when it could not be recorded.
func (p *plain) admin(ctx context.Context, a *onboardAnswers) (done bool, err error) {
	rt := p.rt
	a.RecordedAdmin = rt.Facts.AdminClientID != "" && rt.Facts.AdminKey != ""
	if a.RecordedAdmin {
		if err := p.run(ctx, recordedAdminGroup(rt, a)); err != nil {
			return false, err
		}
	}
	if a.RecordedAdmin {
		return true, nil
	}
	keys, err := rt.ListKeys()
	if err != nil {
		p.fail("Could not list keys", err)
	}
	if err := p.run(ctx, adminGroup(rt, a, keys, true)); err != nil {
		return false, err
	}
	keyName := a.AdminKey
	if keyName == importP12 {
		if err := p.run(ctx, p12Group(a)); err != nil {
			return false, err
		}
		if err := p.runWith(ctx, p.rawIn, p12PasswordGroup(a)); err != nil {
			return false, err
		}
		info, err := rt.ImportKey(uniqueKeyName(rt, rt.ProfileName+"-"+rt.Env.Name+"-admin"), flows.FormatP12, expandHome(a.P12Path), a.P12Password)
		a.P12Password = ""
		if err != nil {
			p.fail("Could not import the virksomhetssertifikat", err)
			return false, nil
		}
		p.println(importedNotice(p.st, info))
		keyName = info.Name
	}
	if err := rt.SetAdmin(a.AdminClientID, keyName); err != nil {
		p.fail("Could not record the admin client", err)
		return false, nil
	}
	return true, nil
}

func (p *plain) onboardPortal(ctx context.Context, a *onboardAnswers) error {
	rt := p.rt
	if err := p.clientQuestions(ctx, a); err != nil {
		return err
	}
	p.println("Preparing the key and the portal steps…")
	g, err := rt.PreparePortal(flows.PortalRequest{Name: a.Name, Description: a.Description, Scopes: a.scopes(),
		Delegation: a.Delegation, KeyName: a.keyName(), Bits: 2048})
	if err != nil {
		p.fail("Could not prepare the key", err)
		return nil
	}
	p.printGuide(g)
	for {
		actions := []string{"Enter the client id from the portal", "Write the key (JWKS) to a file", "Copy the key to the clipboard"}
		if rt.Env.Embedded {
			actions = append(actions, "Let the sandbox play the portal")
		}
		i, err := p.choose(ctx, "Portal: what next?", append(actions, "Back"))
		if err != nil {
			return err
		}
		switch i {
		case 0:
			if err := p.run(ctx, clientIDGroup(a, 0)); err != nil {
				return err
			}
		case 1:
			if err := p.writeJWKS(ctx, g); err != nil {
				return err
			}
			continue
		case 2:
			if err := clipboard.WriteAll(g.Paste); err != nil {
				p.fail("Could not reach the system clipboard", err)
			} else {
				p.println(p.st.OK.Render(styles.GlyphOK) + " Copied the key to the clipboard. Paste it into the portal's key field.")
			}
			continue
		case 3:
			if !rt.Env.Embedded {
				return nil
			}
			p.println("The sandbox plays Digdir's portal…")
			id, err := rt.SandboxPortal(ctx, g)
			if err != nil {
				p.fail("The sandbox could not create the client", err)
				continue
			}
			p.println("The sandbox made client " + id + " with your key, as you would by hand.")
			a.ClientID = id
		default:
			return nil
		}
		if p.accept(ctx, a.ClientID) {
			return nil
		}
	}
}

func (p *plain) printGuide(g *flows.PortalGuide) {
	switch {
	case g.Sandbox && p.rt.Env.Embedded:
		p.println("The sandbox has no web portal: choose \"Let the sandbox play the portal\" and systembruker makes the client " +
			"with the key below, as you would by hand. In test and prod this lists the portal's exact steps.")
	case g.Sandbox:
		p.println("This sandbox is a standalone simulator (systembruker sim serve), so it has no web portal: create the client " +
			"through its control API (POST /sim/clients with the key below), then enter its client id.")
	default:
		p.println("Create the client in Digdir's self-service portal (" + g.Env + "):")
		for i, s := range g.Steps {
			p.printf("  %d. %s\n", i+1, s)
		}
	}
	p.println("Key " + g.KeyName + " (kid " + g.KID + "), to paste into the portal's key field:")
	p.println(g.Paste)
}

func (p *plain) writeJWKS(ctx context.Context, g *flows.PortalGuide) error {
	path := g.KeyName + ".jwks.json"
	if err := p.run(ctx, huh.NewGroup(huh.NewInput().Title(withDefault("File path", path, true)).Value(&path))); err != nil {
		return err
	}
	abs, err := filepath.Abs(expandHome(path))
	if err == nil {
		err = atomicfile.Write(abs, []byte(g.JWKS+"\n"), 0o644)
	}
	if err != nil {
		p.fail("Could not write the file", err)
		return nil
	}
	p.println(p.st.OK.Render(styles.GlyphOK+" Wrote "+abs) + " (public key only: safe to share).")
	return nil
}

// accept records the client id and proves it. It reports whether the step
// is over: false sends the user back to the portal menu.
func (p *plain) accept(ctx context.Context, id string) bool {
	p.println("Checking client " + strings.TrimSpace(id) + " with a token…")
	_, err := p.rt.AcceptClientID(ctx, strings.TrimSpace(id), p.say)
	var pe *flows.ProofError
	if err != nil && !errors.As(err, &pe) {
		p.fail("Could not use that client", err)
		return false
	}
	p.println(p.st.OK.Render(styles.GlyphOK) + " Recorded the client you made in the portal.")
	p.proofResult(err)
	return true
}

// prove fetches a token with the profile's new client and says how it went.
func (p *plain) prove(ctx context.Context) {
	p.println("Fetching a token to prove it…")
	_, err := p.rt.ProveProfile(ctx, p.say)
	p.proofResult(err)
}

func (p *plain) proofResult(err error) {
	if err != nil {
		p.fail("No token yet", err)
	} else {
		p.println(p.st.OK.Render(styles.GlyphOK) + " Proven: Maskinporten issued a token for this client and key.")
	}
	p.println("Recorded in profile " + p.rt.ProfileName + " for " + p.rt.Env.Name + ":")
	p.printRows(recordedRows(p.rt))
}

func (p *plain) printRows(rows []summaryRow) {
	for _, r := range rows {
		label := r.label
		if label == "" {
			label = "Also"
		}
		line := "  " + label + ": " + strings.Join(r.values, ", ")
		if r.why != "" {
			line += " (" + r.why + ")"
		}
		p.println(line)
	}
}
