package wizard

import (
	"strings"
	"testing"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// TestAccessibleOnboardAPIAndToken walks the API path as line prompts in
// the embedded sandbox, then fetches a token in the Token check.
func TestAccessibleOnboardAPIAndToken(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	out := runPlain(t, rt,
		"2",    // home: Maskinporten client
		"", "", // organisation: the sandbox's vendor
		"",     // path: API, the sandbox's default
		"", "", // client name and description: the defaults
		demoScope, // service-owner scope
		"",        // no client delegations
		"",        // a new key
		"y",       // create it
		"3",       // home: Tokens
		"0",       // the scopes as chosen (all)
		"",        // no customer
		"",        // no Altinn token
		"4",       // back
		"4",       // quit
	)
	f := rt.Facts
	if f.ClientID == "" || f.KeyExpires == nil {
		t.Fatalf("the profile records %+v\noutput:\n%s", f, out)
	}
	for _, want := range []string{
		"Environment: sandbox, the embedded simulator",
		"Create this Maskinporten client in sandbox? Each value, and why:",
		"  Admin client: the sandbox's (set up automatically)",
		"Sandbox: registered admin key",
		`Created client "Demo Regnskap AS systembruker".`,
		"Proven: Maskinporten issued a token for this client and key.",
		"  Client id: " + f.ClientID,
		"Maskinporten token, expires in",
		"Maskinporten access token for client " + f.ClientID + ".",
		`"client_id": "` + f.ClientID + `"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestAccessibleOnboardPortal takes the portal path and lets the embedded
// sandbox play the portal.
func TestAccessibleOnboardPortal(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	out := runPlain(t, rt,
		"2", "", "",
		"2",            // path: the portal
		"", "", "", "", // client: defaults, no scopes, no delegations
		"",  // a new key
		"4", // let the sandbox play the portal
		"4", // home: quit
	)
	f := rt.Facts
	for _, want := range []string{
		"The sandbox has no web portal",
		"Key " + f.KeyName + " (kid " + f.KID + "), to paste into the portal's key field:",
		"The sandbox made client " + f.ClientID + " with your key",
		"Recorded the client you made in the portal.",
		"Proven: Maskinporten issued a token",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
