package wizard

import (
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
)

// TestHomeUnprovenClient: a client recorded without a token that proves it
// (the proof failed, or was never tried) is "recorded, not proven" on home,
// with the command that proves it, until a token for that client and key
// comes; then it is done.
func TestHomeUnprovenClient(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	in, err := rt.ImportKey("signing", flows.FormatPEM, writeKeyPEM(t, time.Time{}), "")
	if err != nil {
		t.Fatal(err)
	}
	exp := testNow.Add(200 * 24 * time.Hour)
	f := rt.Facts
	f.ClientID, f.KeyName, f.KID, f.KeyExpires = "d1427568-1eba-1bf2-59ed-1c4af065f30e", in.Name, in.KID, &exp
	f.Scopes = flows.ProposedScopes(false, []string{demoScope})
	d := start(t, rt)
	s := d.waitFor("Your journey")
	for _, want := range []string{
		"! 2. Maskinporten client              recorded, not proven",
		"client d1427568-1eba-1bf2-59ed-1c4af065f30e: no token has proven it yet\n",
		"$ systembruker token --scope " + demoScope,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("home lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "✓ 2. Maskinporten client") {
		t.Errorf("an unproven client is shown as done:\n%s", s)
	}
	d.quit()

	f.Proven = &config.Proof{ClientID: f.ClientID, KID: f.KID, At: testNow}
	d = start(t, rt)
	if s := d.waitFor("Your journey"); !strings.Contains(s, "✓ 2. Maskinporten client              done") {
		t.Errorf("a proven client is not done:\n%s", s)
	}
	d.quit()
}
