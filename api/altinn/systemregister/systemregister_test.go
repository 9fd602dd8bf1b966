package systemregister_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/api/altinn"
	"github.com/systembruker/systembruker/api/altinn/systemregister"
)

var ctx = context.Background()

func TestLifecycle(t *testing.T) {
	env := startSim(t)
	v := env.newVendor(vendorOrg, false, systemregister.Scope)
	s := newSystem("smartregnskap", v.clientID)
	s.AllowedRedirectURLs = []string{"https://SmartRegnskap.example"}

	internalID, err := v.reg.Create(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(internalID) {
		t.Errorf("Create = %q, want the internal GUID", internalID)
	}
	got, err := v.reg.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Altinn stores redirect URLs as .NET's Uri writes them, and defaults
	// isVisible to true.
	if !got.Visible() || got.IsVisible == nil || got.IsDeleted ||
		!slices.Equal(got.AllowedRedirectURLs, []string{"https://smartregnskap.example/"}) ||
		!slices.Equal(got.ClientIDs, []string{v.clientID}) || got.Vendor.ID != "0192:"+vendorOrg ||
		got.Name["nn"] != "Smart Rekneskap" ||
		!slices.Equal(systemregister.ResourceIDs(got.Rights), []string{"ske-krav-og-betalinger"}) ||
		!slices.Equal(systemregister.URNs(got.AccessPackages), []string{"urn:altinn:accesspackage:skattegrunnlag"}) {
		t.Errorf("Get = %+v", got)
	}
	if n, _ := systemregister.NormalizeRedirectURL(s.AllowedRedirectURLs[0]); n != got.AllowedRedirectURLs[0] {
		t.Errorf("NormalizeRedirectURL = %q, Altinn stored %q", n, got.AllowedRedirectURLs[0])
	}

	// PUT replaces everything: what it leaves out is reset.
	s.Rights, s.AllowedRedirectURLs, s.IsVisible = nil, nil, ptr(false)
	if err := v.reg.Replace(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ = v.reg.Get(ctx, s.ID); len(got.Rights) != 0 || len(got.AllowedRedirectURLs) != 0 || got.Visible() {
		t.Errorf("after Replace: %+v", got)
	}
	if err := v.reg.UpdateRights(ctx, s.ID, []systemregister.Right{systemregister.RightFor("app_demo_aarsregnskap")}); err != nil {
		t.Fatal(err)
	}
	// A hidden system may hold client-only packages.
	agentPkg := systemregister.AccessPackage{URN: "urn:altinn:accesspackage:regnskapsforer-lonn"}
	if err := v.reg.UpdateAccessPackages(ctx, s.ID, []systemregister.AccessPackage{agentPkg}); err != nil {
		t.Fatal(err)
	}
	list, err := v.reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].SystemID != s.ID || list[0].SystemVendorOrgNumber != vendorOrg || list[0].IsVisible ||
		!slices.Equal(systemregister.ResourceIDs(list[0].Rights), []string{"app_demo_aarsregnskap"}) ||
		!slices.Equal(systemregister.URNs(list[0].AccessPackages), []string{agentPkg.URN}) {
		t.Errorf("List = %+v", list)
	}

	// Delete is soft: still readable, gone from the list, the id burned, the
	// client id free for another system.
	if err := v.reg.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = v.reg.Get(ctx, s.ID); err != nil || !got.IsDeleted {
		t.Errorf("Get after Delete = %+v, %v", got, err)
	}
	if list, _ = v.reg.List(ctx); len(list) != 0 {
		t.Errorf("List after Delete = %+v", list)
	}
	_, err = v.reg.Create(ctx, newSystem("smartregnskap"))
	wantFieldError(t, err, "AUTH.VLD-00002")
	if _, err := v.reg.Create(ctx, newSystem("smartregnskap2", v.clientID)); err != nil {
		t.Errorf("a deleted system's client id is not free: %v", err)
	}
}

// wantFieldError checks that err is an *altinn.Error carrying code.
func wantFieldError(t *testing.T, err error, code string) *altinn.Error {
	t.Helper()
	var e *altinn.Error
	if !errors.As(err, &e) || !e.HasCode(code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	return e
}

func TestPlainAnswers(t *testing.T) {
	env := startSim(t)
	v := env.newVendor(vendorOrg, false, systemregister.Scope)
	s := newSystem("plain")
	if _, err := v.reg.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		call     func() error
		status   int
		wantText string // in Error()
	}{
		{"get unknown", func() error { _, err := v.reg.Get(ctx, vendorOrg+"_nope"); return err }, 404, "Not Found"},
		{"replace unknown", func() error { return v.reg.Replace(ctx, newSystem("nope")) }, 404, "System with ID '" + vendorOrg + "_nope' not found."},
		{"rights of unknown", func() error { return v.reg.UpdateRights(ctx, vendorOrg+"_nope", nil) }, 500, "Altinn is having trouble"},
		{"delete unknown", func() error { return v.reg.Delete(ctx, vendorOrg+"_nope") }, 400, "return (System not found)"},
		{"replace with another vendor", func() error {
			x := s
			x.Vendor.ID = "0192:" + otherOrg
			return v.reg.Replace(ctx, x)
		}, 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var e *altinn.Error
			if !errors.As(err, &e) || e.Status != tt.status || !strings.Contains(e.Error(), tt.wantText) {
				t.Fatalf("error = %v, want HTTP %d with %q", err, tt.status, tt.wantText)
			}
		})
	}
	if _, err := v.reg.Get(ctx, vendorOrg+"_nope"); !systemregister.NotFound(err) {
		t.Errorf("NotFound(%v) = false", err)
	}

	if err := v.reg.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	err := v.reg.Replace(ctx, s)
	var e *altinn.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Text != "Cannot update a system marked as deleted." {
		t.Errorf("replace deleted: %v", err)
	}
	err = v.reg.UpdateAccessPackages(ctx, s.ID, nil)
	if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Error(), "marked as deleted") {
		t.Errorf("packages of deleted: %v", err)
	}
}

func TestTokens(t *testing.T) {
	env := startSim(t)
	env.asVendor(otherOrg)
	v := env.newVendor(vendorOrg, false, systemregister.Scope)
	raw := env.newVendor(vendorOrg, true, systemregister.Scope)
	noScope := env.newVendor(vendorOrg, false, "altinn:authentication/systemuser.request.read")
	other := env.newVendor(otherOrg, false, systemregister.Scope)
	if _, err := v.reg.Create(ctx, newSystem("mine")); err != nil {
		t.Fatal(err)
	}

	// A raw Maskinporten token works as well as an exchanged one.
	if _, err := raw.reg.Get(ctx, vendorOrg+"_mine"); err != nil {
		t.Errorf("raw Maskinporten token: %v", err)
	}
	wantStatus := func(name string, err error, status int, text string) {
		t.Helper()
		var e *altinn.Error
		if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Error(), text) || e.Hint() == "" {
			t.Errorf("%s: error = %v, want HTTP %d with %q", name, err, status, text)
		}
	}
	_, err := noScope.reg.List(ctx)
	wantStatus("no scope", err, 403, "lacks the scope")
	_, err = other.reg.Get(ctx, vendorOrg+"_mine")
	wantStatus("another vendor's system", err, 403, "belongs to another organisation")
	wantStatus("replace another vendor's", other.reg.Replace(ctx, newSystem("mine")), 403, "HTTP 403")
	wantStatus("delete another vendor's", other.reg.Delete(ctx, vendorOrg+"_mine"), 403, "HTTP 403")
	// The owner check comes after validation but before its errors are sent.
	bad := newSystem("has space")
	_, err = other.reg.Create(ctx, bad)
	wantStatus("create for another vendor", err, 403, "HTTP 403")
	if list, err := other.reg.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("other vendor's List = %+v, %v", list, err)
	}

	expired := &systemregister.Client{API: &altinn.Client{HTTP: env.inst.Client(), BaseURL: env.inst.URLs.Altinn,
		Token: func(context.Context) (string, error) { return "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln", nil }}}
	_, err = expired.List(ctx)
	wantStatus("bad token", err, http.StatusUnauthorized, "refused the token")
}
