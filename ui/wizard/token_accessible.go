package wizard

import (
	"context"
	"strings"

	"charm.land/huh/v2"
	"github.com/atotto/clipboard"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// tokenCheck is the Token check in accessible mode: the request as line
// prompts, then the token in words and its claims, never the token itself.
func (p *plain) tokenCheck(ctx context.Context) error {
	rt := p.rt
	p.println()
	if ok, why := tokenReady(rt); !ok {
		p.println(why + " Set one up in the Maskinporten client step first.")
		return nil
	}
	a := &tokenAnswers{Scopes: append([]string(nil), rt.Facts.Scopes...)}
	for {
		p.println("Token check: a real token from Maskinporten with client " + rt.Facts.ClientID + " and key " + rt.Facts.KeyName + ".")
		groups := []*huh.Group{huh.NewGroup(scopeField(rt, a)), huh.NewGroup(customerField(a))}
		for _, g := range groups {
			if err := p.run(ctx, g); err != nil {
				return err
			}
		}
		if strings.TrimSpace(a.Customer) != "" {
			if err := p.run(ctx, externalRefGroup(a)); err != nil {
				return err
			}
		}
		if err := p.run(ctx, altinnGroup(a)); err != nil {
			return err
		}
		again, err := p.fetchToken(ctx, a)
		if err != nil || !again {
			return err
		}
	}
}

// fetchToken fetches and shows tokens until the user wants another request
// (again) or is done.
func (p *plain) fetchToken(ctx context.Context, a *tokenAnswers) (again bool, err error) {
	noCache := false
	for {
		p.println("Fetching a token…")
		tok := ""
		if res, err := p.rt.Token(ctx, a.request(noCache)); err != nil {
			p.fail("Could not fetch a token", err)
		} else {
			tok = res.AccessToken
			p.printToken(ctx, res)
		}
		next, err := p.afterToken(ctx, tok)
		switch {
		case err != nil:
			return false, err
		case next == "again":
			noCache = true
		default:
			return next == "change", nil
		}
	}
}

// afterToken asks what next until it is not a copy: "again", "change" or
// "back".
func (p *plain) afterToken(ctx context.Context, tok string) (string, error) {
	for {
		names := []string{"Fetch again", "Change the request", "Back"}
		acts := []string{"again", "change", "back"}
		if tok != "" {
			names = append([]string{"Copy the token to the clipboard"}, names...)
			acts = append([]string{"copy"}, acts...)
		}
		i, err := p.choose(ctx, "Token check: what next?", names)
		if err != nil || acts[i] != "copy" {
			return acts[i], err
		}
		if err := clipboard.WriteAll(tok); err != nil {
			p.fail("Could not reach the system clipboard", err)
		} else {
			p.println(p.st.OK.Render(styles.GlyphOK) + " Copied the token to the clipboard. It is a secret: paste it only where it belongs.")
		}
	}
}

// printToken says what the token is, when it expires, and its claims.
func (p *plain) printToken(ctx context.Context, res *flows.TokenResult) {
	rt := p.rt
	kind := "Maskinporten token"
	if res.Altinn {
		kind = "Altinn token"
	}
	in, verr := rt.Inspect(ctx, res.AccessToken, true)
	if verr != nil {
		var err error
		if in, err = rt.Inspect(ctx, res.AccessToken, false); err != nil {
			p.fail("Could not decode the token", err)
			return
		}
	}
	exp := res.ExpiresAt
	if res.Altinn && in.ExpiresAt != nil {
		exp = *in.ExpiresAt
	}
	p.println(p.st.OK.Render(styles.GlyphOK) + " " + kind + ", " + flows.Expiry(exp, rt.Now()) + ".")
	for _, s := range in.Summary {
		if strings.HasPrefix(s, "Not verified:") || (in.Expiry != "" && strings.HasPrefix(strings.ToLower(s), in.Expiry)) {
			continue
		}
		p.println("  " + s)
	}
	if verr != nil {
		p.fail("Signature not verified", verr)
	}
	p.println("Claims:")
	p.println(prettyJSON(res.Claims))
	p.println("Header:")
	p.println(prettyJSON(res.Header))
}
