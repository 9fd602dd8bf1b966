package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/api/selfservice"
)

// A created client is recorded with its key and the key's expiry from
// Digdir, proven with a token, and found again instead of duplicated.
func TestCreateClientRecordsProvesAndReuses(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	if _, err := rt.GenerateKey("vendor", 2048); err != nil {
		t.Fatal(err)
	}
	spec := ClientSpec{Name: "Demo integrasjon", Scopes: []string{demoScope}, Delegation: true, KeyName: "vendor"}
	ss := api(t, rt)
	res, err := rt.CreateClient(ctx, ss, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantScopes := append(append(slices.Clone(SystemUserScopes), DelegationScopes...), demoScope)
	if !slices.Equal(res.Client.Scopes, wantScopes) {
		t.Errorf("scopes = %v, want %v", res.Client.Scopes, wantScopes)
	}
	if res.Reused || res.Key == nil || res.Key.Exp == 0 {
		t.Fatalf("result = %+v, want a new client with a key that has Digdir's exp", res)
	}

	rt = h.open() // what was saved
	f := rt.Facts
	info, _ := rt.Keys.Info("vendor")
	if f.ClientID != res.Client.ClientID || f.KeyName != "vendor" || f.KID != info.KID ||
		!slices.Equal(f.Scopes, wantScopes) || f.KeyExpires == nil || !f.KeyExpires.Equal(res.Key.Expires()) {
		t.Errorf("profile = %+v, want the client, key, scopes and expiry", f)
	}
	if info.Expires == nil || !info.Expires.Equal(res.Key.Expires()) {
		t.Errorf("keystore expiry = %v, want Digdir's %v", info.Expires, res.Key.Expires())
	}
	tok, err := rt.ProveProfile(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Claims["client_id"] != f.ClientID {
		t.Errorf("token client_id = %v", tok.Claims["client_id"])
	}

	// Again with the same name: the same client, no second one.
	ss = api(t, rt)
	found, err := rt.FindClient(ctx, ss, "Demo integrasjon")
	if err != nil || found == nil || found.ClientID != f.ClientID {
		t.Fatalf("FindClient = %v, %v; want %s", found, err, f.ClientID)
	}
	spec.Scopes = append(spec.Scopes, "krr:global/kontaktinformasjon.read")
	again, err := rt.CreateClient(ctx, ss, spec, found)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || again.Client.ClientID != f.ClientID || !slices.Contains(again.Client.Scopes, "krr:global/kontaktinformasjon.read") {
		t.Errorf("second create = %+v, want the same client with the new scope added", again)
	}
	all, err := rt.ListClients(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range all {
		if c.ClientName == "Demo integrasjon" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d clients named Demo integrasjon, want 1", n)
	}
}

// A scope the organisation may not use is refused before the client is
// sent, naming it and the command that lists the ones it may; the
// system-user scopes systembruker adds are not checked.
func TestCreateClientUnknownScope(t *testing.T) {
	rt := newHome(t).open()
	ctx := context.Background()
	ss := api(t, rt)
	before, err := rt.ListClients(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.CreateClient(ctx, ss, ClientSpec{Name: "x", Scopes: []string{demoScope, "nosuch:scope", SystemUserScopes[0]}}, nil)
	var ue *UnavailableScopeError
	if !errors.As(err, &ue) || !slices.Equal(ue.Scopes, []string{"nosuch:scope"}) ||
		!strings.Contains(err.Error(), "nosuch:scope") || !strings.Contains(ue.Hint(), "systembruker client scopes") {
		t.Fatalf("err = %v, want an *UnavailableScopeError naming nosuch:scope and `client scopes`", err)
	}
	if rt.Facts.ClientID != "" {
		t.Error("a refused client was recorded")
	}
	after, err := rt.ListClients(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d clients after the refusal, %d before: the client was sent", len(after), len(before))
	}
}

// A sixth key is refused before anything is written, naming the keys and
// the command that removes one.
func TestAddSixthKey(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	res := withClient(t, rt, "k0")
	ss := api(t, rt)
	var kids []string
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("k%d", i)
		if _, err := rt.GenerateKey(name, 2048); err != nil {
			t.Fatal(err)
		}
		k, err := rt.AddClientKey(ctx, ss, res.Client.ClientID, name)
		if i == 5 {
			var lim *selfservice.KeyLimitError
			if !errors.As(err, &lim) {
				t.Fatalf("sixth key: err = %v, want *KeyLimitError", err)
			}
			msg := err.Error()
			for _, kid := range kids {
				if !strings.Contains(msg, kid) {
					t.Errorf("message lacks kid %s: %s", kid, msg)
				}
			}
			if !strings.Contains(msg, "systembruker client keys remove "+res.Client.ClientID+" --kid ") {
				t.Errorf("message lacks the remove command: %s", msg)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, k.KID)
	}
	keys, err := rt.ClientKeys(ctx, ss, res.Client.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 5 {
		t.Errorf("client has %d keys, want 5", len(keys))
	}
	for _, k := range keys {
		if !k.InKeystore {
			t.Errorf("key %s not matched with the keystore", k.KID)
		}
	}
}

// The profile's signing key is not removed by mistake; the client is
// forgotten when deleted.
func TestRemoveSigningKeyAndDeleteClient(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	res := withClient(t, rt, "main")
	ss := api(t, rt)
	_, err := rt.RemoveClientKey(ctx, ss, res.Client.ClientID, rt.Facts.KID, false)
	var iu *InUseError
	if !errors.As(err, &iu) || !strings.Contains(iu.Hint(), "keys rotate") {
		t.Fatalf("removing the signing key: %v, want a refusal pointing at keys rotate", err)
	}
	if _, err := rt.DeleteClient(ctx, ss, rt.Facts.AdminClientID, false); !errors.As(err, &iu) {
		t.Errorf("deleting the admin client without force: %v", err)
	}
	forgotten, err := rt.DeleteClient(ctx, ss, res.Client.ClientID, false)
	if err != nil || !forgotten {
		t.Fatalf("DeleteClient = %v, %v", forgotten, err)
	}
	rt = h.open()
	if rt.Facts.ClientID != "" || rt.Facts.Scopes != nil || rt.Facts.KeyName != "main" {
		t.Errorf("profile after delete = %+v, want no client but the key kept", rt.Facts)
	}
	if found, _ := rt.FindClient(ctx, api(t, rt), res.Client.ClientName); found != nil {
		t.Error("the deleted client is still listed")
	}
}

// A recorded client is proven only once Maskinporten issues a token for it
// and the profile's key: a failed proof leaves it recorded, not proven, on
// every later run; a token proves it; a rotation keeps it proven with the
// new key.
func TestProofRecorded(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	res := withClient(t, rt, "first")
	clientStep := func() Step { return h.open().Journey()[1] }
	if s := clientStep(); s.State != StateUnproven || !strings.Contains(s.Command, "systembruker token --scope") {
		t.Fatalf("created, never proven: client step = %+v, want %q with the token command", s, StateUnproven)
	}

	// The portal path with a scope the client lacks: recorded, proof refused.
	rt = h.open()
	_, err := rt.UseClient(ctx, UseClientRequest{ClientID: res.Client.ClientID, KeyName: "first", Scopes: []string{"nosuch:scope"}})
	var pe *ProofError
	if !errors.As(err, &pe) {
		t.Fatalf("UseClient = %v, want a *ProofError", err)
	}
	if f := h.open().Facts; f.ClientID != res.Client.ClientID || f.IsProven() {
		t.Fatalf("after a failed proof: profile = %+v, want the client recorded and not proven", f)
	}
	if s := clientStep(); s.State != StateUnproven {
		t.Errorf("after a failed proof: client step = %+v, want %q", s, StateUnproven)
	}

	// A token for the profile's client and key proves them.
	rt = h.open()
	if _, err := rt.Token(ctx, TokenRequest{Scopes: []string{demoScope}, NoCache: true}); err != nil {
		t.Fatal(err)
	}
	f := h.open().Facts
	if !f.IsProven() || f.Proven.KID != f.KID || f.Proven.At.IsZero() {
		t.Fatalf("after a token: proof = %+v, want client %s and kid %s", f.Proven, f.ClientID, f.KID)
	}
	if s := clientStep(); s.State != StateDone {
		t.Errorf("after a token: client step = %+v, want %q", s, StateDone)
	}

	// A rotation proves the new key before switching to it.
	rt = h.open()
	rt.Facts.Scopes = []string{demoScope}
	done, err := rt.RotateKey(ctx, api(t, rt), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f := h.open().Facts; !f.IsProven() || f.Proven.KID != done.NewKID {
		t.Errorf("after a rotation: proof = %+v, want the new kid %s", f.Proven, done.NewKID)
	}
}
