package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/internal/keychaintest"
)

// runRotate runs `keys rotate` (newKeysRotateCmd) on its own, since the
// keys command wires it in; yes stands for the global --yes.
func (h *harness) runRotate(yes bool, args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: h.getenv, Now: h.clock, Yes: yes,
	}
	defer f.Close()
	if _, err := h.openRuntime(f); err != nil {
		h.t.Fatal(err)
	}
	cmd := newKeysRotateCmd(f)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		f.printError(err)
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func TestKeysRotateCommand(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withAdmin()
	h.generateKey("vendor")
	id := h.createClient("Rotating", "vendor")
	oldKID := h.profile().KID

	if _, errOut, code := h.runRotate(true, "--bits", "1024"); code != ExitUsage || !strings.Contains(errOut, "2048, 3072 or 4096") {
		t.Errorf("--bits 1024: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := h.runRotate(false); code != ExitUsage || !strings.Contains(errOut, "pass --yes") {
		t.Errorf("without --yes: exit %d\n%s", code, errOut)
	}

	out, errOut, code := h.runRotate(true, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rot struct {
		ClientID string `json:"client_id"`
		OldKID   string `json:"old_kid"`
		NewKID   string `json:"new_kid"`
		NewKey   string `json:"new_key"`
	}
	if err := json.Unmarshal([]byte(out), &rot); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if rot.ClientID != id || rot.OldKID != oldKID || rot.NewKID == "" || rot.NewKID == oldKID {
		t.Errorf("rotation = %+v", rot)
	}
	for _, want := range []string{"Registered key " + rot.NewKey, "Fetched a token with the new key", "Removed the old key", "Deleted the old key vendor"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if p := h.profile(); p.KeyName != rot.NewKey || p.KID != rot.NewKID {
		t.Errorf("profile = %+v", p)
	}
	if _, errOut, code := h.run("token", "--no-cache"); code != 0 {
		t.Errorf("token after rotation: exit %d\n%s", code, errOut)
	}
	keys := h.mustRun("client", "keys", "list", id, "--json")
	if strings.Contains(keys, oldKID) || !strings.Contains(keys, rot.NewKID) {
		t.Errorf("client keys after rotation:\n%s", keys)
	}
}

// A key the profile uses that expires within 30 days is warned about.
func TestWarnExpiringKeys(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.generateKey("soon")
	h.generateKey("spare")
	rt := h.runtime()
	for _, k := range []string{"soon", "spare"} {
		if err := rt.Keys.SetExpiry(k, harnessStart.Add(10*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	rt.Facts.KeyName = "soon"
	var errOut bytes.Buffer
	f := &Factory{IO: &IOStreams{ErrOut: &errOut}, Getenv: h.getenv, Now: h.clock}
	f.warnExpiringKeys(rt)
	got := errOut.String()
	if !strings.Contains(got, "Key soon, used by this profile in sandbox, expires 2026-03-12") || !strings.Contains(got, "keys rotate") {
		t.Errorf("warning = %q", got)
	}
	if strings.Contains(got, "spare") {
		t.Errorf("warned about a key the profile does not use: %q", got)
	}
}
