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
