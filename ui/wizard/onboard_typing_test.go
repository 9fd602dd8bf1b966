package wizard

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/systembruker/systembruker/config"
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
	if !strings.Contains(s, flows.DelegationScopes[0]) {
		t.Errorf("the proposal lacks the delegation scopes:\n%s", s)
	}
	d.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
	d.waitFor(demoScope + " · yours")
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

// TestOnboardP12WrongPassword: a wrong password for the admin client's
// virksomhetssertifikat keeps the user on the password field, masked, with
// the error above it, instead of sending the form back to its first field.
func TestOnboardP12WrongPassword(t *testing.T) {
	rt := newRuntime(t, config.Test)
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(priv, selfSigned(t, priv, testNow.AddDate(1, 0, 0)), nil, "hemmelig")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "virksomhet.p12", p12)

	d := start(t, rt)
	openOnboarding(d)
	d.typ("310000000")
	d.next("Organisation name")
	d.typ("Demo Regnskap AS")
	d.next("How will the Maskinporten client be created?")
	d.press(tea.KeyPressMsg{Code: tea.KeyUp}) // API
	d.next("Admin client id")
	d.typ("d1427568-1eba-1bf2-59ed-1c4af065f30e")
	d.next("It signs with") // importing a .p12, the only choice
	d.next("Virksomhetssertifikat file")
	d.typ(path)
	d.next("Password for the .p12 file")
	d.typ("feil-passord")
	d.press(enter)
	d.waitFor("Could not record the admin client:")
	s := d.focused("Password for the .p12 file")
	if !strings.Contains(flat(s), "wrong password for the .p12 file") || strings.Contains(s, "feil-passord") {
		t.Errorf("after a wrong password: want its error and the field empty:\n%s", s)
	}
	d.typ("hemmelig")
	if s := d.screen(); strings.Contains(s, "hemmelig") || !strings.Contains(s, "> ********") {
		t.Errorf("the retyped password is not masked:\n%s", s)
	}
	d.quit()
}
