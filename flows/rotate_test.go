package flows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/keystore"
)

// A rotation stopped after any step leaves a working client, loses
// nothing, and is finished by running it again.
func TestRotateInterruptedAtEachStep(t *testing.T) {
	for _, step := range []rotateStep{stepPlanned, stepGenerated, stepAdded, stepProven, stepSwitched, stepRemoved} {
		t.Run(string(step), func(t *testing.T) {
			h := newHome(t)
			rt := h.open()
			ctx := context.Background()
			res := withClient(t, rt, "old")
			oldKID := rt.Facts.KID

			_, err := rt.RotateKey(ctx, api(t, rt), RotateOptions{failAfter: step})
			var re *RotationError
			if !errors.As(err, &re) || !errors.Is(err, errInjected) {
				t.Fatalf("err = %v, want the injected *RotationError", err)
			}
			if re.Rotation.Step != step {
				t.Errorf("stopped at %q, want %q", re.Rotation.Step, step)
			}
			if !strings.Contains(re.Hint(), "keys rotate") || !strings.Contains(re.Error(), step.next()) {
				t.Errorf("error %q / hint %q: want where it stopped and how to finish", re.Error(), re.Hint())
			}

			// In between: a working set-up, nothing lost, progress saved.
			h.mustToken()
			mid := h.open()
			if _, err := mid.Keys.Info("old"); err != nil {
				t.Errorf("old key gone before the end: %v", err)
			}
			if _, err := mid.Keys.Info(mid.Facts.KeyName); err != nil {
				t.Errorf("the profile's key %s is not in the keystore: %v", mid.Facts.KeyName, err)
			}
			pending, err := mid.PendingRotation()
			if err != nil || pending == nil || pending.Step != step {
				t.Fatalf("PendingRotation = %+v, %v; want step %s", pending, err, step)
			}
			if fi, err := os.Stat(mid.rotationPath()); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("state file: %v, mode %v; want 0600", err, fi.Mode())
			}

			// Again: it resumes and finishes.
			var said lines
			done, err := mid.RotateKey(ctx, api(t, mid), RotateOptions{Progress: said.add})
			if err != nil {
				t.Fatal(err)
			}
			if !done.Resumed || !strings.Contains(said.joined(), "Resuming") {
				t.Errorf("second run did not say it resumed: %q", said.joined())
			}
			end := h.open()
			f := end.Facts
			if f.KeyName != done.NewKey || f.KID != done.NewKID || f.KID == oldKID || f.KeyExpires == nil {
				t.Errorf("profile = %+v, want the new key %s (%s) with its expiry", f, done.NewKey, done.NewKID)
			}
			keys, err := end.ClientKeys(ctx, api(t, end), res.Client.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 1 || keys[0].KID != done.NewKID {
				t.Errorf("client keys = %+v, want only the new kid %s", keys, done.NewKID)
			}
			if _, err := end.Keys.Info("old"); !errors.Is(err, keystore.ErrNotFound) {
				t.Errorf("old key after the rotation: %v, want it deleted", err)
			}
			if p, _ := end.PendingRotation(); p != nil {
				t.Errorf("rotation still pending: %+v", p)
			}
			h.mustToken()
		})
	}
}

// A client with five keys has no room for the new one: the rotation stops
// with the key-limit message, the old key keeps working, and it finishes
// once a key is removed.
func TestRotateKeyLimit(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	res := withClient(t, rt, "old")
	ss := api(t, rt)
	var spare []string
	for i := range 4 {
		name := fmt.Sprintf("spare%d", i)
		if _, err := rt.GenerateKey(name, 2048); err != nil {
			t.Fatal(err)
		}
		k, err := rt.AddClientKey(ctx, ss, res.Client.ClientID, name)
		if err != nil {
			t.Fatal(err)
		}
		spare = append(spare, k.KID)
	}
	_, err := rt.RotateKey(ctx, ss, RotateOptions{KeepOld: true})
	var lim *selfservice.KeyLimitError
	var re *RotationError
	if !errors.As(err, &lim) || !errors.As(err, &re) {
		t.Fatalf("err = %v, want a key-limit *RotationError", err)
	}
	if !strings.Contains(re.Hint(), "still works with key old") {
		t.Errorf("hint = %q", re.Hint())
	}
	h.mustToken()

	if _, err := rt.RemoveClientKey(ctx, ss, res.Client.ClientID, spare[0], false); err != nil {
		t.Fatal(err)
	}
	done, err := h.open().RotateKey(ctx, ss, RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !done.KeepOld {
		t.Error("the resumed rotation forgot --keep-old")
	}
	end := h.open()
	keys, err := end.ClientKeys(ctx, ss, res.Client.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range keys {
		kids = append(kids, k.KID)
	}
	if slices.Contains(kids, done.OldKID) || !slices.Contains(kids, done.NewKID) || len(kids) != 4 {
		t.Errorf("client kids = %v, want the 3 spares and the new %s", kids, done.NewKID)
	}
	if _, err := end.Keys.Info("old"); err != nil {
		t.Errorf("--keep-old: old key gone: %v", err)
	}
	h.mustToken()
}

// The admin client's own key rotates the same way.
func TestRotateAdminKey(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	ctx := context.Background()
	ss := api(t, rt)
	adminID, oldKey := rt.Facts.AdminClientID, rt.Facts.AdminKey
	done, err := rt.RotateKey(ctx, ss, RotateOptions{ClientID: adminID})
	if err != nil {
		t.Fatal(err)
	}
	if !done.Admin || done.OldKey != oldKey {
		t.Errorf("rotation = %+v", done)
	}
	end := h.open()
	if end.Facts.AdminKey != done.NewKey {
		t.Errorf("admin key = %s, want %s", end.Facts.AdminKey, done.NewKey)
	}
	if _, err := end.ListClients(ctx, api(t, end)); err != nil {
		t.Errorf("the rotated admin key does not work: %v", err)
	}
	if _, err := end.RotateKey(ctx, ss, RotateOptions{ClientID: "0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e"}); err == nil ||
		!strings.Contains(err.Error(), "neither this profile's client") {
		t.Errorf("rotating a stranger's client: %v", err)
	}
}
