package wizard

import (
	"errors"
	"strings"

	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/orgno"
)

// The Token check's questions and what it needs before it can ask them.

// tokenAnswers is what the Token check asks for.
type tokenAnswers struct {
	Scopes      []string // from the profile's client
	ScopeText   string   // typed, when the profile records none
	Customer    string   // a customer's org number: a system-user token
	ExternalRef string
	Altinn      bool
}

func (a *tokenAnswers) request(noCache bool) flows.TokenRequest {
	scopes := a.Scopes
	if a.ScopeText != "" {
		scopes = (&onboardAnswers{Scopes: a.ScopeText}).scopes()
	}
	req := flows.TokenRequest{Scopes: scopes, Altinn: a.Altinn, NoCache: noCache}
	if c := strings.TrimSpace(a.Customer); c != "" {
		req.SystemUserOrg, req.ExternalRef = c, strings.TrimSpace(a.ExternalRef)
	}
	return req
}

// tokenReady reports whether the profile has what a token needs; if not,
// the words say what is missing.
func tokenReady(rt *flows.Runtime) (bool, string) {
	f := rt.Facts
	switch {
	case f.ClientID == "":
		return false, "This profile has no Maskinporten client in " + rt.Env.Name + " yet, so there is nothing to fetch a token with."
	case f.KeyName == "":
		return false, "Client " + f.ClientID + " has no signing key recorded in this profile."
	}
	if _, err := rt.Keys.Info(f.KeyName); err != nil {
		return false, "The client's key " + f.KeyName + " is not in the keystore here (" + rt.CommandFlags().Apply(err.Error()) + ")."
	}
	return true, ""
}

// requestGroup asks for the scopes and the customer.
func requestGroup(rt *flows.Runtime, a *tokenAnswers) *huh.Group {
	return huh.NewGroup(scopeField(rt, a), customerField(a))
}

// scopeField picks the scopes: the client's, all chosen at first, or typed
// when the profile records none.
func scopeField(rt *flows.Runtime, a *tokenAnswers) huh.Field {
	if len(rt.Facts.Scopes) == 0 {
		return huh.NewInput().
			Title("Scopes").
			Description("The profile records none for its client: type them, spaces or commas between.").
			Value(&a.ScopeText).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("give at least one scope")
				}
				return validScopes(s)
			})
	}
	opts := make([]huh.Option[string], len(rt.Facts.Scopes))
	for i, s := range rt.Facts.Scopes {
		opts[i] = huh.NewOption(s, s)
	}
	// An explicit height: without one, huh v2.0.3 takes the options' height
	// and subtracts the title and description from it, hiding options.
	return huh.NewMultiSelect[string]().
		Title("Scopes").
		Description("The client's scopes; one per token is Maskinporten's advice.").
		Options(opts...).
		Height(len(opts) + 2).
		Value(&a.Scopes).
		Validate(func(s []string) error {
			if len(s) == 0 {
				return errors.New("pick at least one scope")
			}
			return nil
		})
}

// customerField asks for the customer of a system-user token.
func customerField(a *tokenAnswers) huh.Field {
	return huh.NewInput().
		Title("Customer organisation (optional)").
		Description("For a system-user token: the customer's org number. Empty gives a plain Maskinporten token.").
		Value(&a.Customer).
		Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			_, err := orgno.Normalize(s)
			return err
		})
}

func externalRefGroup(a *tokenAnswers) *huh.Group {
	return huh.NewGroup(huh.NewInput().
		Title("externalRef (optional)").
		Description("Only if the system-user request set one; empty means the customer's org number.").
		Value(&a.ExternalRef))
}

func altinnGroup(a *tokenAnswers) *huh.Group {
	return huh.NewGroup(huh.NewConfirm().
		Title("Exchange it for an Altinn token?").
		Description("Altinn's APIs take an Altinn token; other APIs take Maskinporten's.").
		Value(&a.Altinn))
}
