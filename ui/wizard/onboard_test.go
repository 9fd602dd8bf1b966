package wizard

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/sim"
)

// next presses enter and waits for the field titled title to have focus:
// keys pressed before huh has moved on would reach the previous field.
func (d *driver) next(title string) string {
	d.t.Helper()
	d.press(enter)
	return d.focused(title)
}

// openOnboarding goes from home to the Maskinporten client step.
func openOnboarding(d *driver) {
	d.t.Helper()
	d.waitFor("Your journey")
	d.press(down, enter)
	d.focused("Organisation number")
}

// TestOnboardAPIPath walks the API path from a clean home in the embedded
// sandbox: organisation, path, client (going back twice on the way to see
// the answers kept), the proposal, creation with the sandbox's admin client
// set up on first use, the proof, and what the profile records.
func TestOnboardAPIPath(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	d := start(t, rt)
	openOnboarding(d)
	s := d.screen()
	for _, want := range []string{"SANDBOX: the embedded simulator", "310000000"} {
		if !strings.Contains(s, want) {
			t.Errorf("the organisation step lacks %q:\n%s", want, s)
		}
	}
	d.next("Organisation name") // 310000000, the sandbox's vendor
	d.next("How will the Maskinporten client be created?")
	d.next("Client name") // API, the default in the sandbox
	d.next("Description")
	s = d.next("Service-owner scopes")
	if flat := strings.Join(strings.Fields(s), " "); !strings.Contains(flat, "Available to you:") || !strings.Contains(flat, "altinn:instances.read") {
		t.Errorf("the scope field does not list the scopes Digdir says the vendor may use:\n%s", s)
	}
	d.typ("https://example.com")
	d.press(enter)
	d.waitFor("is a URL: give the scope's name")
	d.clear()
	d.typ(demoScope)

	// Back twice, then forward again: every answer is still there.
	d.press(esc)
	d.focused("How will the Maskinporten client be created?")
	d.press(esc)
	s = d.focused("Organisation number")
	if !strings.Contains(s, "Demo Regnskap AS") {
		t.Errorf("going back lost the organisation's name:\n%s", s)
	}
	d.next("Organisation name")
	d.next("How will the Maskinporten client be created?")
	d.next("Client name")
	d.next("Description")
	s = d.next("Service-owner scopes")
	if !strings.Contains(s, demoScope) {
		t.Fatalf("going back lost the typed scope:\n%s", s)
	}
	d.next("Also manage client delegations")
	d.next("Key")  // no delegations
	d.press(enter) // generate a new one

	s = d.waitFor("Create this Maskinporten client in sandbox?")
	for _, want := range []string{"Demo Regnskap AS systembruker · Digdir's display name",
		"altinn:authentication/systemuser.request.write", demoScope + " · yours, from service owners"} {
		if !strings.Contains(s, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, s)
		}
	}
	d.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
	// Looking up the scopes on the way in set up the sandbox's admin client.
	d.waitFor("(key default-sandbox-admin)")
	d.press(enter) // Create
	s = d.waitFor("Proven:")

	f := rt.Facts
	if f.ClientID == "" || f.KeyName == "" || f.KID == "" || f.KeyExpires == nil || f.OrgNo != "310000000" {
		t.Fatalf("the profile records %+v", f)
	}
	if want := flows.ProposedScopes(false, []string{demoScope}); !slices.Equal(f.Scopes, want) {
		t.Errorf("recorded scopes %v, want %v", f.Scopes, want)
	}
	for _, want := range []string{"Created client \"Demo Regnskap AS systembruker\"", "Client id     " + f.ClientID,
		"Key id (kid)  " + f.KID, "Sandbox: registered admin key"} {
		if !strings.Contains(s, want) {
			t.Errorf("the result lacks %q:\n%s", want, s)
		}
	}
	golden(t, d.quit(), map[string]string{
		f.ClientID:                        "<client-id>",
		f.KID:                             "<kid>",
		f.KeyName:                         "<key>",
		f.KeyExpires.Format("2006-01-02"): "<expires>",
	})
}

// TestOnboardPortalPath walks the portal path: the key and its JWKS file,
// client ids pasted wrongly (each with its own message), the client made
// by hand at the simulator with that file, and the proof.
func TestOnboardPortalPath(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	// Started here, before the program renders, because the test calls
	// the simulator itself below.
	if err := rt.Connect(); err != nil {
		t.Fatal(err)
	}
	d := start(t, rt)
	openOnboarding(d)
	d.next("Organisation name")
	d.next("How will the Maskinporten client be created?")
	d.press(down)
	d.next("Client name") // the portal
	d.next("Description")
	d.next("Service-owner scopes")
	d.typ(demoScope)
	d.next("Also manage client delegations")
	d.next("Key")
	d.press(enter)
	s := d.waitFor("The sandbox has no web portal")
	if f := rt.Facts; f.KeyName == "" || !strings.Contains(s, `"kid": "`+f.KID+`"`) {
		t.Fatalf("the guide does not show key %s (kid %s):\n%s", f.KeyName, f.KID, s)
	}

	file := filepath.Join(t.TempDir(), "portal.jwks.json")
	d.press(char('w'))
	d.focused("Write the key (JWKS) to")
	d.clear()
	d.typ(file)
	d.press(enter)
	d.waitFor("Wrote " + file)
	jwks, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	d.press(enter)
	d.focused("Client id (Klient-ID)")
	for _, bad := range []struct{ paste, want string }{
		{`{"kty":"RSA","kid":"x"}`, "that looks like a key (JWK), not a client id"},
		{"https://sjolvbetjening.samarbeid.digdir.no/clients", "that looks like a URL, not a client id"},
		{"systembruker-2026-11-25", "that looks like a key id (kid), not a client id"},
	} {
		d.typ(bad.paste)
		d.press(enter)
		d.waitFor(bad.want)
		d.clear()
	}

	id := portalClient(t, rt.HTTP(), rt.SandboxControlURL(), jwks)
	d.typ(id)
	d.press(enter)
	s = d.waitFor("Proven:")
	if !strings.Contains(s, "Recorded the client you made in the portal") || !strings.Contains(s, "Client id     "+id) {
		t.Errorf("the result does not name the client:\n%s", s)
	}
	if f := rt.Facts; f.ClientID != id || f.KeyExpires == nil || !slices.Contains(f.Scopes, demoScope) {
		t.Errorf("the profile records %+v", f)
	}
	d.press(esc)
	s = d.waitFor("is set up and proven")
	if !strings.Contains(s, "Maskinporten client") || !strings.Contains(s, "client "+id) {
		t.Errorf("home does not show the client:\n%s", s)
	}
	d.quit()
}

// TestOnboardSandboxPlaysPortal lets the embedded sandbox play the portal
// (s), which fills in the client id to check.
func TestOnboardSandboxPlaysPortal(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	d := start(t, rt)
	openOnboarding(d)
	d.next("Organisation name")
	d.next("How will the Maskinporten client be created?")
	d.press(down)
	d.next("Client name")
	d.next("Description")
	d.next("Service-owner scopes")
	d.next("Also manage client delegations")
	d.next("Key")
	d.press(enter)
	d.waitFor("The sandbox has no web portal")
	d.press(char('s'))
	d.waitFor("The sandbox played Digdir's portal")
	d.focused("Client id (Klient-ID)")
	d.press(enter)
	d.waitFor("Proven:")
	if rt.Facts.ClientID == "" {
		t.Errorf("no client recorded: %+v", rt.Facts)
	}
	d.quit()
}

// TestOnboardProdNeedsTypedConfirmation: in prod the proposal is only
// accepted with "prod" typed out; anything else is refused in place.
func TestOnboardProdNeedsTypedConfirmation(t *testing.T) {
	rt := newRuntime(t, "prod")
	// A profile saves only keys that are in the keystore.
	if _, err := rt.Keys.Generate("admin", 2048); err != nil {
		t.Fatal(err)
	}
	rt.Facts.AdminClientID, rt.Facts.AdminKey = "d1427568-1eba-1bf2-59ed-1c4af065f30e", "admin"
	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(down, enter)
	s := d.focused("Organisation number")
	if !strings.Contains(s, "PRODUCTION.") {
		t.Errorf("the prod onboarding does not say PRODUCTION:\n%s", s)
	}
	d.typ("314240979")
	d.next("Organisation name")
	d.typ("Test Leverandør AS")
	d.next("How will the Maskinporten client be created?")
	d.next("Admin client") // API: an admin client is recorded
	d.next("Client name")  // the recorded one
	d.next("Description")
	d.next("Service-owner scopes")
	d.next("Also manage client delegations")
	d.next("Key")
	d.next(`PRODUCTION: type "prod" to create the client`)
	d.typ("yes")
	d.press(enter)
	d.waitFor("type prod exactly to create the client")
	d.press(esc) // back to the client's questions, nothing created
	d.focused("Client name")
	d.quit()
}

// TestHomeAfterOnboarding: home shows the client done or, as here, asking
// for attention because its key expires soon, and Tokens ready with the
// command that fetches one.
func TestHomeAfterOnboarding(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	in, err := rt.ImportKey("signing", flows.FormatPEM, writeKeyPEM(t, time.Time{}), "")
	if err != nil {
		t.Fatal(err)
	}
	exp := testNow.Add(10 * 24 * time.Hour)
	f := rt.Facts
	f.ClientID, f.KeyName, f.KID, f.KeyExpires = "d1427568-1eba-1bf2-59ed-1c4af065f30e", in.Name, in.KID, &exp
	f.Scopes = flows.ProposedScopes(false, []string{demoScope})
	d := start(t, rt)
	s := d.waitFor("Your journey")
	for _, want := range []string{
		"! 2. Maskinporten client              attention",
		"key signing expires on 2026-03-12: rotate it before then",
		"○ 6. Tokens                           ready",
		"$ systembruker token --scope " + demoScope,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("home lacks %q:\n%s", want, s)
		}
	}
	golden(t, d.quit(), nil)
}

// TestOnboardAPIPathWithAdminClient takes the API path in "test", here a
// TLS simulator on loopback, with an admin client the test registers a
// keystore key on, as Digdir would have: the admin step asks for the admin
// client's id and key, and the proof runs with test's patience.
func TestOnboardAPIPathWithAdminClient(t *testing.T) {
	keychaintest.Require(t)
	srv, err := sim.New(sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := srv.Start("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close() })
	u := inst.URLs
	vars := map[string]string{
		config.EnvMaskinportenURL: u.Maskinporten, config.EnvSelfServiceURL: u.SelfService,
		config.EnvAltinnURL: u.Altinn, config.EnvAltinnUIURL: u.AltinnUI,
	}
	rt, _ := newLiveRuntime(t, flows.Options{Env: config.Test, Getenv: func(k string) string { return vars[k] }, HTTP: inst.Client()})

	// Digdir's part: the admin client, with the vendor's key on it.
	if _, err := rt.GenerateKey("admin-key", 2048); err != nil {
		t.Fatal(err)
	}
	jwks, err := rt.PublicJWKS("admin-key")
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Clients []struct {
			ClientID string `json:"client_id"`
			Admin    bool   `json:"admin"`
		} `json:"clients"`
	}
	simControl(t, inst.Client(), u.Control, "GET", "/state", nil, &state)
	admin := ""
	for _, c := range state.Clients {
		if c.Admin {
			admin = c.ClientID
		}
	}
	simControl(t, inst.Client(), u.Control, "PUT", "/clients/"+admin+"/jwks", jwks, nil)

	d := start(t, rt)
	openOnboarding(d)
	d.typ("310000000")
	d.next("Organisation name")
	d.typ("Demo Regnskap AS")
	d.next("How will the Maskinporten client be created?")
	d.press(tea.KeyPressMsg{Code: tea.KeyUp}) // API: the default in test is the portal
	d.next("Admin client id")
	d.typ("kid-2026-01-01")
	d.press(enter)
	d.waitFor("that looks like a key id (kid), not a client id")
	d.clear()
	d.typ(admin)
	d.next("It signs with") // admin-key, the only key
	d.next("Client name")
	d.next("Description")
	d.next("Service-owner scopes")
	d.typ(demoScope)
	d.next("Also manage client delegations")
	d.next("Key")
	d.press(enter) // a new key
	d.waitFor("Create this Maskinporten client in test?")
	d.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
	d.waitFor("Admin client  " + admin + " (key admin-key)")
	d.press(enter)
	s := d.waitFor("Proven:")
	if f := rt.Facts; f.AdminClientID != admin || f.AdminKey != "admin-key" || f.ClientID == "" || f.ClientID == admin {
		t.Errorf("the profile records %+v", f)
	}
	if strings.Contains(s, "Sandbox:") {
		t.Errorf("test mentions the sandbox:\n%s", s)
	}
	d.quit()
}
