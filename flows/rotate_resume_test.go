package flows

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/keystore"
)

// The hint names the key that works at the step the rotation stopped
// after: the old one until the profile switched, the new one from then on.
func TestRotationHintNamesTheWorkingKey(t *testing.T) {
	want := map[rotateStep]string{
		stepPlanned: "old", stepGenerated: "old", stepAdded: "old", stepProven: "old",
		stepSwitched: "new", stepRemoved: "new", stepDone: "new",
	}
	for _, step := range stepOrder {
		e := &RotationError{Rotation: Rotation{ClientID: "c", OldKey: "old", NewKey: "new", Step: step}, Err: errInjected}
		other := map[string]string{"old": "new", "new": "old"}[want[step]]
		if h := e.Hint(); !strings.Contains(h, "with key "+want[step]+";") || strings.Contains(h, "key "+other) {
			t.Errorf("after %s: hint %q, want it to name key %s only", step, h, want[step])
		}
	}
}

// The case: a rotation stopped after switching the profile; then
// `client use --key OLD` points the profile back at the old key. The
// resumed rotation must notice and remove nothing; --abandon forgets it.
func TestRotateResumeAfterTheProfileChanged(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	res := withClient(t, rt, "A")
	if _, err := rt.RotateKey(ctx, api(t, rt), RotateOptions{failAfter: stepSwitched}); !errors.Is(err, errInjected) {
		t.Fatal(err)
	}
	use := h.open()
	if _, err := use.UseClient(ctx, UseClientRequest{ClientID: res.Client.ClientID, KeyName: "A"}); err != nil {
		t.Fatal(err)
	}

	again := h.open()
	_, err := again.RotateKey(ctx, api(t, again), RotateOptions{})
	var conflict *RotationConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "signs with key A") ||
		!strings.Contains(conflict.Hint(), "keys rotate --abandon") {
		t.Fatalf("resumed rotation = %v, want a RotationConflictError naming key A", err)
	}
	end := h.open()
	if _, err := end.Keys.Info("A"); err != nil {
		t.Errorf("key A, which the profile signs with, is gone: %v", err)
	}
	keys, err := end.ClientKeys(ctx, api(t, end), res.Client.ClientID)
	if err != nil || !slices.ContainsFunc(keys, func(k ClientKey) bool { return k.KeyName == "A" }) {
		t.Errorf("client keys = %+v, %v; want A still registered", keys, err)
	}
	h.mustToken()

	st, err := end.AbandonRotation()
	if err != nil || st == nil || st.OldKey != "A" {
		t.Fatalf("AbandonRotation = %+v, %v", st, err)
	}
	if p, _ := end.PendingRotation(); p != nil {
		t.Errorf("still pending after --abandon: %+v", p)
	}
	if _, err := h.open().RotateKey(ctx, api(t, end), RotateOptions{}); err != nil {
		t.Fatalf("a new rotation after --abandon: %v", err)
	}
	h.mustToken()
}

// The keychain is shared: a rotation keeps an old key that another
// environment still signs with, and says so.
func TestRotateKeepsAnOldKeyUsedElsewhere(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	withClient(t, rt, "A")
	rt.Profile.For(config.Prod).AdminKey = "A"
	if err := rt.SaveProfile(); err != nil {
		t.Fatal(err)
	}
	var said lines
	done, err := h.open().RotateKey(ctx, api(t, rt), RotateOptions{Progress: said.add})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.open().Keys.Info("A"); err != nil {
		t.Errorf("key A, still prod's admin key, was deleted: %v", err)
	}
	if !strings.Contains(said.joined(), "Kept the old key A in the keystore: it is still used by profile default in prod (admin key)") {
		t.Errorf("progress did not say why A was kept: %q", said.joined())
	}
	if done.OldKeyUsedBy != "profile default in prod (admin key)" {
		t.Errorf("rotation result: old key used by %q", done.OldKeyUsedBy)
	}
	if h.open().Facts.KeyName != done.NewKey {
		t.Errorf("profile key = %s, want %s", h.open().Facts.KeyName, done.NewKey)
	}
}

// A half-stored new key (a run killed while the keyring stalled) is
// cleaned up and made again when the rotation is resumed.
func TestRotateRecoversAHalfStoredNewKey(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	withClient(t, rt, "A")
	_, err := rt.RotateKey(ctx, api(t, rt), RotateOptions{failAfter: stepPlanned})
	var re *RotationError
	if !errors.As(err, &re) {
		t.Fatal(err)
	}
	if _, err := rt.Keys.Generate(re.Rotation.NewKey, 2048); err != nil {
		t.Fatal(err)
	}
	markPending(t, rt.Keys, re.Rotation.NewKey)
	if _, err := rt.Keys.PublicJWK(re.Rotation.NewKey); !errors.Is(err, keystore.ErrIncomplete) {
		t.Fatalf("PublicJWK of the half-stored key = %v", err)
	}
	var said lines
	done, err := h.open().RotateKey(ctx, api(t, rt), RotateOptions{Progress: said.add})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said.joined(), "Removed the half-stored key") || done.NewKey != re.Rotation.NewKey {
		t.Errorf("progress %q, rotation %+v", said.joined(), done)
	}
	h.mustToken()
}

// markPending turns a stored key back into the state a process killed
// between writing the metadata and finishing leaves: metadata marked
// pending.
func markPending(t *testing.T, ks *keystore.Store, name string) {
	t.Helper()
	path := filepath.Join(ks.Dir(), name+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["pending"] = true
	data, _ = json.Marshal(m)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Two rotations of one profile and environment never run together.
func TestRotateLocked(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	withClient(t, rt, "A")
	release, err := rt.lockRotation()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = h.open().RotateKey(context.Background(), api(t, rt), RotateOptions{})
	if err == nil || !strings.Contains(err.Error(), "another key rotation of profile default in sandbox is running") {
		t.Fatalf("second rotation = %v", err)
	}
	if p, _ := rt.PendingRotation(); p != nil {
		t.Errorf("the refused rotation saved state: %+v", p)
	}
}
