package flows

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
)

// TestJourney checks the client and tokens steps against the profile's
// facts. Its keys live in the passphrase file store: what is checked is
// metadata, and the test then runs without a keychain.
func TestJourney(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	soon, past, later := now.Add(10*24*time.Hour), now.Add(-time.Hour), now.Add(200*24*time.Hour)
	scopes := ProposedScopes(false, []string{"skatteetaten:mvameldingvalidering"})
	proof := &config.Proof{ClientID: "c1", KID: "kid1", At: past}
	tests := []struct {
		name   string
		facts  config.EnvProfile
		key    bool // the profile's key "signing" is in the keystore
		client Step
		tokens Step
	}{
		{
			name:   "nothing yet",
			client: Step{State: StateTodo, Command: "systembruker client create"},
			tokens: Step{State: StateTodo, Detail: "needs a Maskinporten client with a key (step 2)", Command: "systembruker token --scope SCOPE"},
		},
		{
			name:   "client without a key",
			facts:  config.EnvProfile{ClientID: "c1", Scopes: scopes},
			client: Step{State: StateWarn, Detail: "client c1 has no signing key recorded", Command: "systembruker client use c1 --key NAME"},
			tokens: Step{State: StateTodo, Detail: "needs a Maskinporten client with a key (step 2)", Command: "systembruker token --scope SCOPE"},
		},
		{
			name:   "ready",
			facts:  config.EnvProfile{ClientID: "c1", KID: "kid1", Proven: proof, KeyName: "signing", Scopes: scopes, KeyExpires: &later},
			key:    true,
			client: Step{State: StateDone, Detail: "client c1"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
		},
		{
			name:   "only system-user scopes",
			facts:  config.EnvProfile{ClientID: "c1", KID: "kid1", Proven: proof, KeyName: "signing", Scopes: SystemUserScopes},
			key:    true,
			client: Step{State: StateDone, Detail: "client c1"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope " + SystemUserScopes[0]},
		},
		{
			name:   "recorded, not proven",
			facts:  config.EnvProfile{ClientID: "c1", KeyName: "signing", KID: "kid1", Scopes: scopes, KeyExpires: &later},
			key:    true,
			client: Step{State: StateUnproven, Detail: "client c1: no token has proven it yet", Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
		},
		{
			name: "proven with the key before",
			facts: config.EnvProfile{ClientID: "c1", KeyName: "signing", KID: "kid2", Scopes: scopes, KeyExpires: &later,
				Proven: proof},
			key:    true,
			client: Step{State: StateUnproven, Detail: "client c1: no token has proven it yet", Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
		},
		{
			name:   "proven for the client before",
			facts:  config.EnvProfile{ClientID: "c2", KeyName: "signing", KID: "kid1", Proven: proof},
			key:    true,
			client: Step{State: StateUnproven, Detail: "client c2: no token has proven it yet", Command: "systembruker client use c2 --key signing"},
			tokens: Step{State: StateTodo, Detail: "the profile records no scopes for client c2", Command: "systembruker token --scope SCOPE"},
		},
		{
			name:   "key expires soon",
			facts:  config.EnvProfile{ClientID: "c1", KeyName: "signing", Scopes: scopes, KeyExpires: &soon},
			key:    true,
			client: Step{State: StateWarn, Detail: "key signing expires on 2026-03-12: rotate it before then", Command: "systembruker keys rotate"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
		},
		{
			name:   "key expired",
			facts:  config.EnvProfile{ClientID: "c1", KeyName: "signing", Scopes: scopes, KeyExpires: &past},
			key:    true,
			client: Step{State: StateWarn, Detail: "key signing expired on 2026-03-02: tokens fail until you rotate it", Command: "systembruker keys rotate"},
			tokens: Step{State: StateReady, Command: "systembruker token --scope skatteetaten:mvameldingvalidering"},
		},
		{
			name:   "key gone from the keystore",
			facts:  config.EnvProfile{ClientID: "c1", KID: "kid1", Proven: proof, KeyName: "signing", Scopes: scopes},
			client: Step{State: StateDone, Detail: "client c1"},
			tokens: Step{State: StateTodo, Detail: "key signing is not in the keystore", Command: "systembruker token --scope SCOPE"},
		},
		{
			name:   "no scopes recorded",
			facts:  config.EnvProfile{ClientID: "c1", KID: "kid1", Proven: proof, KeyName: "signing"},
			key:    true,
			client: Step{State: StateDone, Detail: "client c1"},
			tokens: Step{State: StateTodo, Detail: "the profile records no scopes for client c1", Command: "systembruker token --scope SCOPE"},
		},
	}
	// One store holds the key for every case that has it: an RSA key costs
	// up to a second under -race.
	keyed := journeyRuntime(t, now).Keys
	if _, err := keyed.Generate("signing", 2048); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := journeyRuntime(t, now)
			if tt.key {
				rt.Keys = keyed
			}
			*rt.Facts = tt.facts
			steps := rt.Journey()
			if len(steps) != 6 {
				t.Fatalf("%d steps, want 6", len(steps))
			}
			for _, c := range []struct {
				got  Step
				want Step
				id   StepID
			}{{steps[1], tt.client, StepClient}, {steps[5], tt.tokens, StepTokens}} {
				c.want.ID, c.want.Title = c.id, c.got.Title
				// The journey's keys are in the file store, so a pasted
				// command must name it.
				c.want.Command = strings.Replace(c.want.Command, "systembruker ", "systembruker --keystore file ", 1)
				if c.got != c.want {
					t.Errorf("%s step = %+v\nwant %+v", c.id, c.got, c.want)
				}
			}
			for _, s := range steps[2:5] {
				if s.State != StateNotBuilt {
					t.Errorf("%s is %q, want %q", s.Title, s.State, StateNotBuilt)
				}
			}
		})
	}

	// Without Digdir's date, the key's own expiry (a virksomhetssertifikat's
	// end) decides.
	t.Run("expiry from the keystore", func(t *testing.T) {
		if err := keyed.SetExpiry("signing", now.Add(5*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rt := journeyRuntime(t, now)
		rt.Keys = keyed
		rt.Facts.ClientID, rt.Facts.KeyName = "c1", "signing"
		got := rt.Journey()[1]
		if got.State != StateWarn || got.Detail != "key signing expires on 2026-03-07: rotate it before then" {
			t.Errorf("client step = %+v", got)
		}
	})
}

func journeyRuntime(t *testing.T, now time.Time) *Runtime {
	t.Helper()
	base := t.TempDir()
	simtest.FastFileStore(t, filepath.Join(base, "data", "keys"), "journey-test")
	rt, err := Open(Options{
		Dirs: config.Dirs{
			Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data"),
			State: filepath.Join(base, "state"), Cache: filepath.Join(base, "cache"),
		},
		Keystore:   keystore.File,
		Passphrase: func() ([]byte, error) { return []byte("journey-test"), nil },
		Getenv:     func(string) string { return "" },
		Now:        func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// The journey's commands run as printed: in another environment or profile
// than a bare command would pick, they name it.
func TestJourneyCommandsRunAsPrinted(t *testing.T) {
	rt, err := Open(Options{
		Dirs: config.Dirs{Config: t.TempDir(), Data: t.TempDir()}, Env: config.Test, Profile: "acme",
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rt.Journey() {
		if s.Command != "" && !strings.HasPrefix(s.Command, "systembruker --env test --profile acme ") {
			t.Errorf("%s: command %q does not select test and acme", s.ID, s.Command)
		}
	}
}
