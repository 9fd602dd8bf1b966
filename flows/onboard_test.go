package flows

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/config"
)

func TestProposedScopes(t *testing.T) {
	got := ProposedScopes(false, []string{" a:b ", "altinn:authentication/systemuser.request.read", "", "a:b"})
	want := append(slices.Clone(SystemUserScopes), "a:b")
	if !slices.Equal(got, want) {
		t.Errorf("ProposedScopes = %v, want %v", got, want)
	}
	if got := ProposedScopes(true, nil); len(got) != 5 || got[3] != "altinn:clientdelegations.read" {
		t.Errorf("with delegation = %v", got)
	}
}

func TestSetOrg(t *testing.T) {
	base := t.TempDir()
	dirs := config.Dirs{Config: base + "/c", Data: base + "/d", State: base + "/s", Cache: base + "/k"}
	rt, err := Open(Options{Dirs: dirs, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.SetOrg("310 000 001", ""); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Errorf("bad check digit: %v", err)
	}
	if err := rt.SetOrg("0192:310000000", "Demo Regnskap AS"); err != nil {
		t.Fatal(err)
	}
	again, err := Open(Options{Dirs: dirs, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if again.Facts.OrgNo != "310000000" || again.Facts.OrgName != "Demo Regnskap AS" {
		t.Errorf("saved = %+v", again.Facts)
	}
}

// What people paste instead of a client id gets a message saying what it
// is; nothing is recorded.
func TestAcceptClientIDMalformed(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	info, err := rt.GenerateKey("k", 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := rt.Keys.PublicJWK("k")
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"kid", info.KID, "looks like a key id (kid)"},
		{"jwk", string(jwk), "looks like a key (JWK)"},
		{"url", "https://sjolvbetjening.test.samarbeid.digdir.no/clients/abc", "looks like a URL"},
		{"space inside", "d1427568-1eba-1bf2 59ed-1c4af065f30e", "contains spaces or line breaks"},
		{"only whitespace", " \n\t", "the client id is empty"},
		{"empty", "", "the client id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.AcceptClientID(context.Background(), tt.in, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), info.KID) {
				t.Error("the message repeats the input")
			}
		})
	}
	if h.open().Facts.ClientID != "" {
		t.Error("a malformed id was recorded")
	}
}

// The portal path in the sandbox: key and steps, the sandbox plays the
// portal, the pasted id is accepted (with its stray newline), recorded and
// proven.
func TestPortalPath(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	g, err := rt.PreparePortal(PortalRequest{Name: "Portal client", Scopes: []string{demoScope}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Sandbox || len(g.Steps) == 0 || g.KeyName == "" || g.KID == "" {
		t.Fatalf("guide = %+v", g)
	}
	var paste []map[string]any
	if err := json.Unmarshal([]byte(g.Paste), &paste); err != nil || len(paste) != 1 {
		t.Fatalf("paste text is not a one-key JSON array: %v\n%s", err, g.Paste)
	}
	if paste[0]["kid"] != g.KID || paste[0]["use"] != "sig" || paste[0]["d"] != nil || paste[0]["x5c"] != nil {
		t.Errorf("pasted key = %v", paste[0])
	}
	id, err := rt.SandboxPortal(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := h.open().AcceptClientID(context.Background(), id+"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" {
		t.Error("no token")
	}
	f := h.open().Facts
	if f.ClientID != id || f.KeyName != g.KeyName || !slices.Equal(f.Scopes, g.Scopes) || f.KeyExpires == nil {
		t.Errorf("profile = %+v", f)
	}
}

func TestPortalSteps(t *testing.T) {
	for _, env := range []string{config.Test, config.Prod} {
		e, _ := config.Builtin(env)
		g := &PortalGuide{Env: env, URL: e.PortalURL, OrgNo: "310000000", OrgName: "Demo Regnskap AS",
			Name: "N", Description: "D", Scopes: []string{"a:b", "c:d"}, KeyName: "k"}
		text := strings.Join(g.steps(), "\n")
		for _, want := range []string{e.PortalURL, "Demo Regnskap AS (310000000)", `"Create client"`, "a:b, c:d",
			`"JWK or PEM format"`, "Klient-ID", "`systembruker client use CLIENT_ID --key k`", "up to 10"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s steps lack %q:\n%s", env, want, text)
			}
		}
	}
}

// The portal steps' command, pasted, acts on the environment they were
// made for: a bare command would use the profile's own (the sandbox).
func TestPortalStepsRunAsPrinted(t *testing.T) {
	h, _ := newTestEnvHome(t)
	g, err := h.open().PreparePortal(PortalRequest{Name: "Portal client", Scopes: []string{demoScope}})
	if err != nil {
		t.Fatal(err)
	}
	want := "`systembruker --env test client use CLIENT_ID --key " + g.KeyName + "`"
	if text := strings.Join(g.Steps, "\n"); !strings.Contains(text, want) {
		t.Errorf("steps lack %s:\n%s", want, text)
	}
}

// Outside the sandbox a client Maskinporten does not know yet is retried
// with visible waits, and the failure says Digdir can take minutes.
func TestProveWaitsForDigdir(t *testing.T) {
	waits := noSleep(t)
	h, _ := newTestEnvHome(t)
	rt := h.open()
	if _, err := rt.GenerateKey("k", 2048); err != nil {
		t.Fatal(err)
	}
	var said lines
	// A well-formed id no simulator knows: what a just-created client is
	// until Digdir's change reaches Maskinporten.
	_, err := rt.UseClient(context.Background(), UseClientRequest{
		ClientID: "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e", KeyName: "k", Scopes: []string{demoScope}, Progress: said.add,
	})
	var pe *ProofError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ProofError", err)
	}
	var mp *maskinporten.Error
	if !errors.As(err, &mp) || mp.MPCode != "MP-100" {
		t.Errorf("cause = %v, want MP-100", err)
	}
	pol := rt.proofPolicy()
	want := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second, 25 * time.Second, 30 * time.Second}
	if !slices.Equal(*waits, want) || pol.attempts != len(want)+1 {
		t.Errorf("waits = %v, want %v", *waits, want)
	}
	if !strings.Contains(said.joined(), "up to 10") || !strings.Contains(pe.Hint(), "up to 10") {
		t.Errorf("progress %q / hint %q: want the 10 minutes said", said.joined(), pe.Hint())
	}
	// Recorded all the same, for `systembruker token` later.
	if h.open().Facts.ClientID != "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e" {
		t.Error("the client was not recorded")
	}
}

// In the sandbox a refusal is final: no waiting.
func TestProveSandboxDoesNotWait(t *testing.T) {
	waits := noSleep(t)
	h := newHome(t)
	rt := h.open()
	withClient(t, rt, "k")
	_, err := rt.Prove(context.Background(), ProveRequest{ClientID: rt.Facts.ClientID, KeyName: "k",
		Scopes: []string{"altinn:serviceowner/instances.read"}})
	var pe *ProofError
	if !errors.As(err, &pe) || len(*waits) != 0 {
		t.Fatalf("err = %v, waits %v; want one final *ProofError", err, *waits)
	}
	if !strings.Contains(pe.Error(), "altinn:serviceowner/instances.read") || !strings.Contains(pe.Hint(), "self-service portal") {
		t.Errorf("error %q / hint %q: want the scope named and the way to add it", pe.Error(), pe.Hint())
	}
}
