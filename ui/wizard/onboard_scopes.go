package wizard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/termsafe"
	"github.com/systembruker/systembruker/ui/styles"
)

// The onboarding's scope field: its form, its checks, and the scopes the
// organisation may use.

// scopeInput asks for the service-owner scopes. On the API path the wizard
// has looked up the scopes the organisation may use: the description lists
// them (see scopeDescription), tab completes the first, and Enter refuses a
// scope not among them.
func scopeInput(a *onboardAnswers, width int, accessible bool) *huh.Input {
	in := huh.NewInput().Title("Service-owner scopes (optional)").Value(&a.Scopes).Validate(func(s string) error {
		if err := validScopes(s); err != nil {
			return err
		}
		return a.unavailable(s, false)
	}).Description(scopeDescription(a, width))
	if names := a.ownScopes(); !accessible && len(names) > 0 {
		in = in.Suggestions(names)
	}
	return in
}

// scopeDescription is the scope field's description: what to type, the
// scopes the organisation may use, and those typed that are not among
// them. The screen sets it again after every key, on its own goroutine
// (huh's DescriptionFunc would read the answer in a command, beside the
// field writing it).
func scopeDescription(a *onboardAnswers, width int) string {
	desc := "Scopes API owners granted you, e.g. skatteetaten:mvameldingvalidering; spaces or commas between."
	if names := a.ownScopes(); len(names) > 0 {
		desc += " Available to you: " + termsafe.Line(strings.Join(names, ", ")) + "." // Digdir's text
	}
	desc = describe(desc, width)
	if err := a.unavailable(a.Scopes, true); err != nil {
		desc += "\n" + describe(styles.GlyphWarn+" "+err.Error(), width)
	}
	return desc
}

// ownScopes is the available scopes to offer: not the system-user and
// delegation ones, which are proposed anyway.
func (a *onboardAnswers) ownScopes() []string {
	var names []string
	for _, s := range a.Available {
		if !slices.Contains(flows.SystemUserScopes, s.Name) && !slices.Contains(flows.DelegationScopes, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// unavailable refuses typed scopes that Digdir did not list for the
// organisation, once the list is known. While typing, the last scope may
// be unfinished: it counts only when no listed scope starts with it.
func (a *onboardAnswers) unavailable(s string, typing bool) error {
	if len(a.Available) == 0 {
		return nil
	}
	typed := (&onboardAnswers{Scopes: s}).scopes()
	if n := len(typed); typing && n > 0 && !strings.ContainsAny(s[len(s)-1:], ", \t\n") {
		last := typed[n-1]
		if slices.ContainsFunc(a.Available, func(av flows.AvailableScope) bool { return strings.HasPrefix(av.Name, last) }) {
			typed = typed[:n-1]
		}
	}
	bad := flows.UnavailableScopes(a.Available, typed)
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("not available to your organisation: %s; pick from the list above", strings.Join(bad, ", "))
}

// describe wraps a field's description between words for a form width
// wide: huh would break it at dots and hyphens, splitting scopes and ids.
// The frame of huh's fields (a border and a space) takes 2 columns.
func describe(s string, width int) string {
	if width <= 0 {
		return s
	}
	return wrap(s, width-2)
}

var scopeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._/:-]+$`) })

// validScopes checks the scope list's form, with a specific message for
// what people paste by mistake.
func validScopes(s string) error {
	for _, sc := range (&onboardAnswers{Scopes: s}).scopes() {
		switch {
		case strings.Contains(sc, "://"):
			return fmt.Errorf("%q is a URL: give the scope's name, like skatteetaten:mvameldingvalidering", sc)
		case !strings.Contains(sc, ":"):
			return fmt.Errorf("%q lacks its prefix: a scope is prefix:name, like skatteetaten:mvameldingvalidering", sc)
		case !scopeRE().MatchString(sc):
			return fmt.Errorf("%q is not a scope name: a lower-case prefix, ':', then letters, digits, . _ - / or :", sc)
		}
	}
	return nil
}
