package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/sim"
)

const systemTOML = `name = { nb = "Smart Regnskap", nn = "Smart Rekneskap", en = "Smart Accounting" }
description = { nb = "Regnskap", nn = "Rekneskap", en = "Accounting" }
redirect_urls = ["https://smartregnskap.example"]
access_packages = ["urn:altinn:accesspackage:skattegrunnlag"]
resources = ["ske-krav-og-betalinger"]
`

// withVendor sets up the profile as onboarding leaves it: org, a client
// with the system-register scope and its key.
func (h *harness) withVendor() string {
	h.t.Helper()
	h.generateKey("main")
	id := h.addClient([]string{"altinn:authentication/systemregister.write"}, h.publicJWK("main"))
	h.setProfile(func(p *config.EnvProfile) {
		p.ClientID, p.KeyName, p.OrgNo, p.OrgName = id, "main", sim.DemoVendorOrgNo, sim.DemoVendorOrgName
	})
	return id
}

func (h *harness) systemFile(text string) string {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), "system.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

func TestSystemCommands(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	client := h.withVendor()
	file := h.systemFile(systemTOML)
	id := sim.DemoVendorOrgNo + "_smart-regnskap"

	out := h.mustRun("system", "diff", "-f", file)
	for _, want := range []string{"System " + id + ": create", "name.nn          + Smart Rekneskap",
		"client_ids       + " + client, "redirect_urls    + https://smartregnskap.example/", "resources        + ske-krav-og-betalinger"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff:\n%s\nwant %q", out, want)
		}
	}
	if n := h.simCount("POST /altinn/authentication/api/v1/systemregister/vendor "); n != 0 {
		t.Errorf("diff wrote to Altinn (%d POSTs)", n)
	}

	// Without --yes and without a terminal, apply refuses before writing.
	if _, errOut, code := h.run("system", "apply", "-f", file); code != ExitUsage || !strings.Contains(errOut, "pass --yes") {
		t.Errorf("apply without --yes: exit %d\n%s", code, errOut)
	}
	stdout, errOut, code := h.run("system", "apply", "-f", file, "--yes", "--json")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	var res struct {
		SystemID string `json:"system_id"`
		Action   string `json:"action"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.SystemID != id || res.Action != "create" {
		t.Errorf("apply --json = %s (%v)", stdout, err)
	}
	for _, want := range []string{"nb  Gi tilgang til system", "Smart Regnskap ber om systemtilgang",
		"Tilgangspakker: skattegrunnlag", "Levert av Demo Regnskap AS, org.nr. " + sim.DemoVendorOrgNo,
		"Delivered by Demo Regnskap AS", "Single services: ske-krav-og-betalinger", "does not look up yet",
		"✓ Registered system " + id} {
		if !strings.Contains(errOut, want) {
			t.Errorf("apply stderr:\n%s\nwant %q", errOut, want)
		}
	}
	if h.profile().SystemID != id {
		t.Errorf("profile system id = %q", h.profile().SystemID)
	}

	// Re-apply: nothing differs, nothing is sent.
	puts := h.simCount("PUT /altinn/")
	_, errOut = h.mustRunErr("system", "apply", "-f", file, "--yes")
	if !strings.Contains(errOut, "Nothing to change") || h.simCount("PUT /altinn/") != puts {
		t.Errorf("re-apply:\n%s", errOut)
	}

	out = h.mustRun("system", "show")
	if !strings.Contains(out, "name.en          Smart Accounting") || !strings.Contains(out, "visible          true") {
		t.Errorf("show:\n%s", out)
	}
	out = h.mustRun("system", "list")
	if !strings.Contains(out, id+"  true     Smart Regnskap") {
		t.Errorf("list:\n%s", out)
	}

	_, errOut = h.mustRunErr("system", "delete", id, "--yes")
	if !strings.Contains(errOut, "can never be registered again") || h.profile().SystemID != "" {
		t.Errorf("delete:\n%s", errOut)
	}
	_, errOut, code = h.run("system", "apply", "-f", file, "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "can never be used again: choose another id") {
		t.Errorf("apply of a deleted id: exit %d\n%s", code, errOut)
	}
}

func TestSystemApplyRefusals(t *testing.T) {
	keychaintest.Require(t)
	h := newHarness(t)
	h.withVendor()
	// A mistake in the file: exit 2 with the line, nothing sent.
	_, errOut, code := h.run("system", "apply", "-f", h.systemFile(systemTOML+"visible = \"no\"\n"), "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "system.toml:6: visible: has the wrong type") {
		t.Errorf("bad file: exit %d\n%s", code, errOut)
	}
	// Altinn's refusal, explained: a client-only package on a visible system.
	bad := strings.Replace(systemTOML, "skattegrunnlag", "regnskapsforer-lonn", 1)
	_, errOut, code = h.run("system", "apply", "-f", h.systemFile(bad), "--yes")
	if code != ExitError || !strings.Contains(errOut, "accessPackages holds a package meant for client (agent) system users") ||
		!strings.Contains(errOut, "nothing was changed in Altinn") {
		t.Errorf("refused: exit %d\n%s", code, errOut)
	}
}

func (h *harness) mustRunErr(args ...string) (string, string) {
	h.t.Helper()
	out, errOut, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("%v: exit %d\n%s", args, code, errOut)
	}
	return out, errOut
}
