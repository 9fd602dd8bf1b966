package wizard

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// openTokenCheck goes from home to the Tokens step, the journey's last.
func openTokenCheck(d *driver) string {
	d.t.Helper()
	d.waitFor("Your journey")
	for range 5 {
		d.press(down)
	}
	d.press(enter)
	return d.waitFor("› Token check")
}

// scrollTo pages down until want is on screen. It keeps paging: keys
// pressed while a fetch runs are ignored, and a new token shows from its top.
func (d *driver) scrollTo(want string) string {
	d.t.Helper()
	var s string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s = d.screen(); strings.Contains(s, want) {
			return s
		}
		d.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	d.t.Fatalf("screen never showed %q; last screen:\n%s", want, s)
	return ""
}

// flat is the screen's text with each run of white space (line breaks,
// indents) as one space, for sentences that wrap.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

var jtiRE = regexp.MustCompile(`"jti": "([^"]+)"`)

func jti(t *testing.T, screen string) string {
	t.Helper()
	m := jtiRE.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no jti claim on screen:\n%s", screen)
	}
	return m[1]
}

// TestTokenCheck fetches a token with the profile's client and checks the
// decoded view, the copy, a re-fetch, the countdown as the clock moves,
// and the exchange for an Altinn token.
func TestTokenCheck(t *testing.T) {
	keychaintest.Require(t)
	rt, clk := newLiveRuntime(t, flows.Options{})
	withClient(t, rt)
	id := rt.Facts.ClientID
	d := start(t, rt)
	d.waitFor("Your journey")
	s := d.screen()
	if !strings.Contains(s, "ready") || !strings.Contains(s, "$ systembruker token --scope "+demoScope) {
		t.Errorf("home does not show Tokens as ready:\n%s", s)
	}
	openTokenCheck(d)
	d.focused("Scopes")
	d.next("Customer organisation (optional)")
	d.next("Exchange it for an Altinn token?")
	d.press(enter) // no
	s = d.waitFor("✓ Maskinporten token expires in")
	for _, want := range []string{
		"Maskinporten access token for client " + id,
		"Vendor (consumer): 310000000 (this profile's organisation)",
		"Signature verified with key",
		"fresh from Maskinporten",
	} {
		if !strings.Contains(flat(s), want) {
			t.Errorf("the token view lacks %q:\n%s", want, s)
		}
	}
	d.scrollTo(`"client_id": "` + id + `"`)
	first := jti(t, d.scrollTo(`"jti"`))
	d.scrollTo(`"alg": "RS256"`)

	d.press(char('c'))
	d.waitFor("Copied the token")
	tok := <-d.copied
	dec, err := maskinporten.Decode(tok)
	if err != nil || dec.Claims["jti"] != first {
		t.Fatalf("the copied text is not the token shown (jti %v, want %s): %v", dec.Claims["jti"], first, err)
	}
	osc52 := []byte(base64.StdEncoding.EncodeToString([]byte(tok)))
	teatest.WaitFor(t, d.tm.Output(), func(b []byte) bool { return bytes.Contains(b, osc52) },
		teatest.WithDuration(10*time.Second))
	if strings.Contains(d.screen(), tok) {
		t.Error("the token itself is on screen")
	}

	d.press(char('r'))
	var again string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s = d.scrollTo(`"jti"`); jti(t, s) != first {
			again = jti(t, s)
			break
		}
	}
	if again == "" {
		t.Fatalf("r did not fetch a new token:\n%s", s)
	}

	// The countdown follows the clock: frozen, then moved on by 30s, then
	// past the expiry. The ticks that redraw it are the program's own.
	now := clk.Now()
	clk.set(now)
	left := regexp.MustCompile(`expires in (\S+) ·`).FindStringSubmatch(d.waitFor("expires in"))
	if left == nil {
		t.Fatalf("no countdown on screen:\n%s", d.screen())
	}
	dur, err := time.ParseDuration(left[1])
	if err != nil {
		t.Fatal(err)
	}
	clk.set(now.Add(30 * time.Second))
	d.waitFor("✓ Maskinporten token " + flows.Expiry(now.Add(dur), now.Add(30*time.Second)) + " ·")
	clk.set(now.Add(dur + time.Second))
	d.waitFor("✗ Maskinporten token expired: expired 1s ago (r fetches a new one)")
	clk.set(time.Now()) // the simulator checks grants against the real time
	clk.mu.Lock()
	clk.fixed = nil
	clk.mu.Unlock()

	d.press(char('a'))
	s = d.waitFor("✓ Altinn token expires in")
	if !strings.Contains(flat(s), "Altinn token, exchanged from a Maskinporten token for client "+id) {
		t.Errorf("the Altinn token is not explained:\n%s", s)
	}
	// Labelled by what it is, not as fresh from Maskinporten.
	if top := flat(s); !strings.Contains(top, "· exchanged at Altinn") || strings.Contains(top, "fresh from Maskinporten") {
		t.Errorf("the Altinn token's source is not said right:\n%s", s)
	}
	d.quit()
}

// TestTokenCheckSystemUser asks for a system-user token for a customer
// that has none yet: Maskinporten's MP-303, in words, with the next step.
// Once the customer has approved (here: the simulator's control API), r
// fetches the system-user token and its claims are explained.
func TestTokenCheckSystemUser(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	withClient(t, rt)
	id := rt.Facts.ClientID
	d := start(t, rt)
	openTokenCheck(d)
	d.focused("Scopes")
	d.next("Customer organisation (optional)")
	d.typ("310007917") // a wrong check digit first
	d.press(enter)
	d.waitFor("has a wrong check digit")
	d.clear()
	d.typ("310007919") // Fjordbris Bakeri AS
	d.next("externalRef (optional)")
	d.next("Exchange it for an Altinn token?")
	d.press(enter)
	s := d.waitFor("Could not fetch a token")
	for _, want := range []string{
		"no system user for 0192:310007919 that client " + id + " may use (MP-303)",
		"→ the customer must first approve a system-user request for your system",
	} {
		if !strings.Contains(flat(s), want) {
			t.Errorf("the error lacks %q:\n%s", want, s)
		}
	}

	const system = "310000000_wizardtest"
	var su struct {
		ID string `json:"id"`
	}
	simControl(t, rt.HTTP(), rt.SandboxControlURL(), "POST", "/systems",
		map[string]any{"id": system, "vendor_org_no": "310000000", "client_ids": []string{id}}, nil)
	simControl(t, rt.HTTP(), rt.SandboxControlURL(), "POST", "/systemusers",
		map[string]any{"system_id": system, "party_org_no": "310007919", "type": "standard"}, &su)
	d.press(char('r'))
	s = d.waitFor("✓ Maskinporten token expires in")
	want := "System-user token (systembruker): customer 310007919 lets system " + system + " act for it, as system user " + su.ID + "."
	if !strings.Contains(flat(s), want) {
		t.Errorf("the system-user claims are not explained (want %q):\n%s", want, s)
	}

	d.press(esc) // back to the request, the customer still filled in
	s = d.focused("Scopes")
	if !strings.Contains(s, "310007919") {
		t.Errorf("going back lost the customer:\n%s", s)
	}
	d.quit()
}

// TestTokenCheckNeedsClient: without a client the screen says so and leads
// to the onboarding step.
func TestTokenCheckNeedsClient(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	s := d.waitFor("Your journey")
	if !strings.Contains(s, "needs a Maskinporten client with a key (step 2)") {
		t.Errorf("home does not say what Tokens needs:\n%s", s)
	}
	s = openTokenCheck(d)
	if !strings.Contains(s, "This profile has no Maskinporten client in sandbox yet") || !strings.Contains(s, "Press o") {
		t.Errorf("the Token check does not say what is missing:\n%s", s)
	}
	d.press(char('o'))
	d.focused("Organisation number")
	d.press(esc)
	d.waitFor("This profile has no Maskinporten client")
	d.quit()
}

// TestTokenCheckCancel: Esc stops a running fetch and goes back to the
// request; the cancelled fetch's end never reaches the screen, and the next
// fetch works (through the 503 and Retry-After if the first never got to
// Maskinporten).
func TestTokenCheckCancel(t *testing.T) {
	keychaintest.Require(t)
	rt, _ := newLiveRuntime(t, flows.Options{})
	withClient(t, rt)
	simControl(t, rt.HTTP(), rt.SandboxControlURL(), "POST", "/faults", map[string]any{
		"path_prefix": "/maskinporten/token", "status": 503, "count": 1, "retry_after_seconds": 2,
	}, nil)
	d := start(t, rt)
	openTokenCheck(d)
	d.focused("Scopes")
	d.next("Customer organisation (optional)")
	d.next("Exchange it for an Altinn token?")
	d.press(enter)
	s := d.waitFor("Fetching a Maskinporten token…")
	if !strings.Contains(s, "esc cancels") {
		t.Errorf("the running fetch does not say how to stop it:\n%s", s)
	}
	d.press(esc)
	d.focused("Scopes")
	d.next("Customer organisation (optional)")
	d.next("Exchange it for an Altinn token?")
	d.press(enter)
	s = d.waitFor("✓ Maskinporten token expires in")
	if strings.Contains(s, "context canceled") {
		t.Errorf("the cancelled fetch's error reached the screen:\n%s", s)
	}
	d.quit()
}
