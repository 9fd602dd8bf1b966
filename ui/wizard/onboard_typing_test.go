package wizard

import (
	"strings"
	"testing"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// TestOnboardTypeAhead: keys typed before huh has moved the focus (it
// moves it with a message of its own) go where they were meant: the "y"
// after the scope's Enter answers the yes/no question after it, instead of
// landing in the scope.
func TestOnboardTypeAhead(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	d := start(t, rt)
	openOnboarding(d)
	d.next("Organisation name")
	d.next("How will the Maskinporten client be created?")
	d.next("Client name")
	d.next("Description")
	d.next("Service-owner scopes")
	d.typ(demoScope)
	d.press(enter, char('y'), enter) // scope, delegations: yes, key: a new one
	s := d.waitFor("Create this Maskinporten client in sandbox?")
	for _, want := range []string{demoScope + " · yours", flows.DelegationScopes[0]} {
		if !strings.Contains(s, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, s)
		}
	}
	d.quit()
}

// TestOnboardUnknownScope: with the organisation's scopes looked up, the
// scope field names a scope not among them as it is typed (not one still
// being typed that may become one), and Enter refuses it; the list is
// wrapped between scopes, never inside one.
func TestOnboardUnknownScope(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	d := start(t, rt)
	openOnboarding(d)
	d.next("Organisation name")
	d.next("How will the Maskinporten client be created?")
	d.next("Client name")
	d.next("Description")
	s := d.next("Service-owner scopes")
	for _, want := range []string{"altinn:instances.read,", "altinn:instances.write,", "krr:global/kontaktinformasjon.read,"} {
		if !strings.Contains(s, want) {
			t.Errorf("the list of available scopes lacks %q whole:\n%s", want, s)
		}
	}
	d.typ("skatteetaten:mva")
	if s := d.waitFor("> skatteetaten:mva"); strings.Contains(s, "not available") {
		t.Errorf("a scope still being typed is called unavailable:\n%s", s)
	}
	d.clear()
	d.typ(demoScope + " nosuch:sco")
	d.waitFor("not available to your organisation: nosuch:sco;")
	d.press(enter)
	d.waitFor("* not available to your organisation: nosuch:sco;")
	d.clear()
	d.typ(demoScope)
	d.next("Also manage client delegations")
	d.quit()
}
