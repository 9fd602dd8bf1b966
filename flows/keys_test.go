package flows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/keystore"
)

// A key that only another environment uses is in use: DeleteKey refuses
// without force and names prod; with force it deletes the key and forgets
// it everywhere.
func TestDeleteKeyInUseElsewhere(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	if _, err := rt.GenerateKey("k", 2048); err != nil {
		t.Fatal(err)
	}
	rt.Profile.For(config.Prod).KeyName = "k"
	if err := rt.SaveProfile(); err != nil {
		t.Fatal(err)
	}
	del := h.open()
	err := del.DeleteKey("k", false)
	var inUse *KeyInUseError
	if !errors.As(err, &inUse) || !inUse.Uses.Prod() || !strings.Contains(err.Error(), "profile default in prod (signing key)") {
		t.Fatalf("DeleteKey = %v, want a KeyInUseError naming prod", err)
	}
	if err := del.DeleteKey("k", true); err != nil {
		t.Fatal(err)
	}
	end := h.open()
	if _, err := end.Keys.Info("k"); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("key after a forced delete: %v", err)
	}
	if got := end.Config.KeyUsers("k"); len(got) != 0 {
		t.Errorf("the profile still names the deleted key: %v", got)
	}
}

// A command that picked a key before another deleted it cannot save a
// profile naming it: the save checks under the lock.
func TestSaveProfileRefusesAKeyDeletedMeanwhile(t *testing.T) {
	h := newHome(t)
	if _, err := h.open().GenerateKey("k", 2048); err != nil {
		t.Fatal(err)
	}
	slow := h.open()
	if _, err := slow.Keys.Info("k"); err != nil {
		t.Fatal(err)
	}
	if err := h.open().DeleteKey("k", false); err != nil {
		t.Fatal(err)
	}
	slow.Facts.KeyName = "k"
	if err := slow.SaveProfile(); !errors.Is(err, keystore.ErrNotFound) {
		t.Fatalf("SaveProfile naming a deleted key = %v, want ErrNotFound", err)
	}
	if got := h.open().Facts.KeyName; got != "" {
		t.Errorf("profile key = %q after the refused save", got)
	}
}

// A half-stored key is not counted as a usable key in the journey: the
// keys step warns about it with the command that cleans it up.
func TestJourneyNamesAHalfStoredKey(t *testing.T) {
	rt := journeyRuntime(t, time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
	if _, err := rt.Keys.Generate("half", 2048); err != nil {
		t.Fatal(err)
	}
	markPending(t, rt.Keys, "half")
	got := rt.Journey()[0]
	if got.State != StateWarn || got.Detail != "key half is incomplete" || got.Command != "systembruker --keystore file keys delete half" {
		t.Errorf("keys step = %+v", got)
	}
}
