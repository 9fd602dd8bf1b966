package wizard

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// The wizard must work in an 80×24 terminal (the driver's size): every
// screen is walked here, and fits checks what it shows.

// fits checks a screen as drawn: at most 24 lines, none wider than 80
// cells, none cut short (a cut line ends in "…"), and the rows that must
// be in view, each whole on one line. The root model cuts what a screen
// draws too wide, so a screen that does not fit shows as cut lines.
func fits(t *testing.T, what, screen string, rows ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) > 24 {
		t.Errorf("%s: %d lines, more than 24", what, len(lines))
	}
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("%s: line %d is %d cells wide: %q", what, i+1, w, l)
		}
		// The key help at the bottom elides what does not fit; ? shows all.
		if strings.HasSuffix(l, "…") && i < len(lines)-1 {
			t.Errorf("%s: line %d is cut: %q", what, i+1, l)
		}
	}
	for _, r := range rows {
		if !strings.Contains(screen, r) {
			t.Errorf("%s lacks %q at 80×24:\n%s", what, r, screen)
		}
	}
}

// TestKeyScreensAt80x24: home, the key list (a key with a certificate and
// an expiry, the longest row), its JWK, delete, generate and import.
func TestKeyScreensAt80x24(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	in, err := rt.ImportKey("virksomhet", flows.FormatPEM, writeKeyPEM(t, testNow.Add(10*24*time.Hour)), "")
	if err != nil {
		t.Fatal(err)
	}
	d := start(t, rt)
	fits(t, "home", d.waitFor("Your journey"), "1. Keys", "2. Maskinporten client", "6. Tokens",
		"Key virksomhet expires in 10 days")
	d.press(enter)
	fits(t, "key list", d.waitFor("1 key in the keystore"), "kid "+in.KID, " · expires 2026-03-12",
		"virksomhetssertifikat for 314240979", "CN=TEST LEVERAND")
	d.press(enter)
	fits(t, "public JWK", d.waitFor(`"kid": "`+in.KID+`"`), `"use": "sig"`, "c copy")
	d.press(esc)
	d.waitFor("1 key in the keystore")
	d.press(char('d'))
	fits(t, "delete", d.waitFor("Delete key virksomhet?"), "Delete", "Keep")
	d.press(esc)
	d.waitFor("1 key in the keystore")
	d.press(char('g'))
	fits(t, "generate", d.focused("Key name"), "Key size", "2048 bits")
	d.press(esc)
	d.waitFor("1 key in the keystore")
	d.press(char('i'))
	fits(t, "import", d.focused("Key name"), "File format", "File path")
	d.quit()
}

// TestOnboardScreensAt80x24 walks the API path in the sandbox with the
// longest proposal (delegations and a scope of the vendor's own), then the
// Token check.
func TestOnboardScreensAt80x24(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	d := start(t, rt)
	openOnboarding(d)
	fits(t, "organisation", d.screen(), "Organisation number", "Organisation name")
	d.next("Organisation name")
	fits(t, "path", d.next("How will the Maskinporten client be created?"), "API:", "Portal:")
	d.next("Client name")
	d.next("Description")
	fits(t, "client", d.next("Service-owner scopes"), "altinn:instances.write,", "krr:global/kontaktinformasjon.read,")
	d.typ(demoScope)
	d.next("Also manage client delegations")
	d.press(char('y'))
	fits(t, "key", d.focused("Key"), "Generate a new key")
	d.press(enter)
	fits(t, "confirm", d.waitFor("Create this Maskinporten client in sandbox?"),
		"Organisation  Demo Regnskap AS (310000000) · owns the client", "Admin client  ", "Name          ",
		"Key           ", "Scopes        ", "Create this client?", "↓ more below")
	d.press(enter)
	fits(t, "result", d.waitFor("Proven:"), "Recorded in profile default for sandbox", "Client id     "+rt.Facts.ClientID)
	d.press(char('t'))
	fits(t, "token check", d.focused("Scopes"), "Customer organisation")
	d.next("Customer organisation")
	d.next("Exchange it for an Altinn token?")
	d.press(enter)
	fits(t, "token", d.waitFor("✓ Maskinporten token expires in"), "fresh from Maskinporten", "Claims")
	d.quit()
}

// TestProdConfirmAt80x24: in prod, with PRODUCTION in the header and the
// typed confirmation, the proposal still shows who owns and who creates the
// client.
func TestProdConfirmAt80x24(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "prod")
	// A profile saves only keys that are in the keystore.
	if _, err := rt.Keys.Generate("admin", 2048); err != nil {
		t.Fatal(err)
	}
	rt.Facts.AdminClientID, rt.Facts.AdminKey = "d1427568-1eba-1bf2-59ed-1c4af065f30e", "admin"
	d := start(t, rt)
	openOnboarding(d)
	d.typ("314240979")
	d.next("Organisation name")
	d.typ("Test Leverandør AS")
	d.next("How will the Maskinporten client be created?")
	fits(t, "admin", d.next("Admin client"), "The recorded one: d1427568-1eba-1bf2-59ed-1c4af065f30e (key admin)")
	d.next("Client name")
	d.next("Description")
	d.next("Service-owner scopes")
	d.typ("skatteetaten:mvameldingvalidering")
	d.next("Also manage client delegations")
	d.press(char('y'))
	d.focused("Key")
	fits(t, "prod confirm", d.next(`PRODUCTION: type "prod" to create the client`),
		"Organisation  Test Leverandør AS (314240979) · owns the client",
		"Admin client  d1427568-1eba-1bf2-59ed-1c4af065f30e (key admin)")
	d.quit()
}

// TestPortalScreensAt80x24 walks test's admin step, then the portal path:
// the guide and the client id.
func TestPortalScreensAt80x24(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, config.Test)
	d := start(t, rt)
	openOnboarding(d)
	d.typ("310000000")
	d.next("Organisation name")
	d.typ("Demo Regnskap AS")
	d.next("How will the Maskinporten client be created?")
	d.press(tea.KeyPressMsg{Code: tea.KeyUp})
	fits(t, "admin", d.next("Admin client id"), "It signs with", "Import a virksomhetssertifikat (.p12) now")
	d.press(esc)
	d.focused("How will the Maskinporten client be created?")
	d.press(down)
	d.next("Client name")
	d.next("Description")
	d.next("Service-owner scopes")
	d.next("Also manage client delegations")
	d.next("Key")
	d.press(enter)
	fits(t, "portal guide", d.waitFor("Create the client in Digdir's self-service portal (test)"),
		"1. Open https://sjolvbetjening.test.samarbeid.digdir.no", "↓ more below")
	fits(t, "client id", d.next("Client id (Klient-ID) from the portal"), "d1427568-1eba-1bf2-59ed-1c4af065f30e")
	d.quit()
}
