package systemregister_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/systembruker/systembruker/api/altinn/systemregister"
)

// The client's types against Altinn's real bodies in ../shared/fixtures.

func fixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "fixtures", "altinn", name))
	if err != nil {
		t.Skipf("fixture %s not available (%v): it lives in ../shared next to the repository", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestFixtureShapes(t *testing.T) {
	t.Run("create request", func(t *testing.T) {
		var s systemregister.System
		fixture(t, "systemregister-create-request.json", &s)
		if s.ID != "991825827_smartcloud" || s.Vendor.ID != "0192:991825827" || s.Name["nn"] != "Smart SKY" ||
			!slices.Equal(systemregister.ResourceIDs(s.Rights), []string{"ske-krav-og-betalinger"}) ||
			!slices.Equal(systemregister.URNs(s.AccessPackages), []string{"urn:altinn:accesspackage:skattegrunnlag"}) ||
			len(s.ClientIDs) != 1 || len(s.AllowedRedirectURLs) != 1 || !s.Visible() {
			t.Errorf("decoded %+v", s)
		}
		if err := systemregister.CheckID(s.ID, "991825827"); err != nil {
			t.Error(err)
		}
	})
	t.Run("agent create request, PascalCase", func(t *testing.T) {
		var s systemregister.System
		fixture(t, "systemregister-create-request-agent.json", &s)
		if s.ID != "312605031_ClientDelegationExample" || s.Vendor.ID != "0192:312605031" || s.Visible() ||
			len(s.AccessPackages) != 7 || len(s.ClientIDs) != 1 || s.Description["en"] == "" {
			t.Errorf("decoded %+v", s)
		}
	})
	t.Run("create response", func(t *testing.T) {
		var id string
		fixture(t, "systemregister-create-response.json", &id)
		if len(id) != 36 {
			t.Errorf("internal id %q", id)
		}
	})
	t.Run("get response", func(t *testing.T) {
		var s systemregister.System
		fixture(t, "systemregister-get-vendor-system-response.json", &s)
		if !s.IsDeleted || s.Visible() || s.IsVisible == nil || len(s.Rights) != 1 || len(s.Rights[0].Resource) != 2 ||
			!slices.Equal(s.AllowedRedirectURLs, []string{"https://altinn.no/"}) {
			t.Errorf("decoded %+v", s)
		}
	})
	t.Run("list response", func(t *testing.T) {
		var l []systemregister.Listed
		fixture(t, "systemregister-list-vendor-response.json", &l)
		if len(l) != 1 || l[0].SystemID != "991825827_the_matrix" || l[0].SystemVendorOrgNumber != "991825827" ||
			!l[0].IsVisible || len(l[0].Rights) != 1 {
			t.Errorf("decoded %+v", l)
		}
	})
	t.Run("update bodies", func(t *testing.T) {
		var rights []systemregister.Right
		fixture(t, "systemregister-update-rights-request.json", &rights)
		var pkgs []systemregister.AccessPackage
		fixture(t, "systemregister-update-accesspackages-request.json", &pkgs)
		var res systemregister.UpdateResult
		fixture(t, "systemregister-update-result-response.json", &res)
		if len(rights) != 1 || rights[0].Resource[0].ID != systemregister.ResourceAttrID || len(pkgs) != 2 ||
			systemregister.CheckPackageURN(pkgs[0].URN) != nil || !res.Succeeded {
			t.Errorf("decoded %+v, %+v, %+v", rights, pkgs, res)
		}
	})
}

// What the client sends has the shape of Altinn's own example: the same
// members, lists never null.
func TestSentShape(t *testing.T) {
	var want map[string]any
	fixture(t, "systemregister-create-request.json", &want)
	var s systemregister.System
	fixture(t, "systemregister-create-request.json", &s)
	s.Vendor.Authority = "iso6523-actorid-upis"
	b, _ := json.Marshal(s)
	var got map[string]any
	json.Unmarshal(b, &got)
	for k := range want {
		if k == "allowedredirecturls" {
			k = "allowedRedirectUrls" // the example's lower case binds too
		}
		if _, ok := got[k]; !ok {
			t.Errorf("sent body lacks %q: %s", k, b)
		}
	}
}
