package flows

import (
	"context"
	"testing"
)

// The sandbox vendor may use the scopes granted to it and the public ones
// that allow Maskinporten; not a scope it was never granted, nor one that
// Maskinporten may not carry.
func TestAvailableScopes(t *testing.T) {
	h := newHome(t)
	rt := h.open()
	scopes, err := rt.AvailableScopes(context.Background(), api(t, rt))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range scopes {
		got[s.Name] = s.Access
	}
	for name, want := range map[string]string{
		demoScope: ScopeGranted,
		"altinn:authentication/systemregister.write": "",
	} {
		if want != "" && got[name] != want {
			t.Errorf("%s: access %q, want %q (all: %v)", name, got[name], want, got)
		}
		if want == "" && got[name] == "" {
			t.Errorf("%s missing from the available scopes: %v", name, got)
		}
	}
	for _, name := range []string{"altinn:serviceowner/instances.read", "altinn:portal/enduser"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s is listed as available, but the vendor may not use it", name)
		}
	}
	for i := 1; i < len(scopes); i++ {
		if scopes[i-1].Name >= scopes[i].Name {
			t.Fatalf("not sorted by name: %v", scopes)
		}
	}
}
