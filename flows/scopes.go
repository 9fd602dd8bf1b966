package flows

import (
	"context"
	"slices"
	"strings"

	"github.com/systembruker/systembruker/api/selfservice"
)

// Scope access, as AvailableScopes reports it.
const (
	ScopeGranted = "granted" // the API owner gave the organisation access
	ScopePublic  = "public"  // accessible for all
	// ScopeDelegable: a customer can delegate it in Altinn; the vendor
	// puts it on its own client and asks for it on the customer's behalf.
	ScopeDelegable = "delegable"
)

// AvailableScope is a scope the organisation may put on a Maskinporten
// client.
type AvailableScope struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Access      string `json:"access"` // ScopeGranted or ScopePublic
}

// AvailableScopes lists the scopes the organisation may put on a
// Maskinporten client: those it has been granted, and those accessible for
// all, in both cases only where Maskinporten is an allowed integration. It
// answers "which scope do I type?" before Digdir refuses one.
func (r *Runtime) AvailableScopes(ctx context.Context, api *selfservice.API) ([]AvailableScope, error) {
	all, err := api.ListScopes(ctx, false)
	if err != nil {
		return nil, adminErr(r, err)
	}
	access, err := api.ListScopeAccess(ctx)
	if err != nil {
		return nil, adminErr(r, err)
	}
	known := make(map[string]selfservice.Scope, len(all))
	for _, s := range all {
		known[s.Name] = s
	}
	seen := map[string]bool{}
	var out []AvailableScope
	for _, a := range access {
		s, ok := known[a.Scope]
		if a.State != selfservice.AccessApproved || (ok && !s.AllowsMaskinporten()) || seen[a.Scope] {
			continue
		}
		seen[a.Scope] = true
		out = append(out, AvailableScope{Name: a.Scope, Description: s.Description, Access: ScopeGranted})
	}
	for _, s := range all {
		if !s.AllowsMaskinporten() || seen[s.Name] {
			continue
		}
		switch {
		case s.AccessibleForAll:
			out = append(out, AvailableScope{Name: s.Name, Description: s.Description, Access: ScopePublic})
		case s.DelegationSource != "":
			out = append(out, AvailableScope{Name: s.Name, Description: s.Description, Access: ScopeDelegable})
		default:
			continue
		}
		seen[s.Name] = true
	}
	slices.SortFunc(out, func(a, b AvailableScope) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UnavailableScopeError names service-owner scopes the organisation may
// not put on a client, before Digdir is asked to.
type UnavailableScopeError struct {
	Scopes []string
	Env    string
}

func (e *UnavailableScopeError) Error() string {
	what := "scope " + e.Scopes[0] + " is"
	if len(e.Scopes) > 1 {
		what = "scopes " + strings.Join(e.Scopes, ", ") + " are"
	}
	return what + " not available to your organisation in " + e.Env + ": not granted to it, not public, or not for Maskinporten"
}

// Hint is where to see the scopes that are.
func (e *UnavailableScopeError) Hint() string {
	return "check the spelling against `systembruker client scopes`; a scope an API owner has not granted yet needs their approval first"
}

// CheckScopes refuses the service-owner scopes in scopes that available
// does not list (see UnavailableScopes).
func CheckScopes(env string, available []AvailableScope, scopes []string) error {
	if bad := UnavailableScopes(available, scopes); len(bad) > 0 {
		return &UnavailableScopeError{Scopes: bad, Env: env}
	}
	return nil
}

// UnavailableScopes is the scopes in scopes that available does not list.
// The system-user and delegation scopes every proposed client gets are not
// checked: systembruker adds them itself.
func UnavailableScopes(available []AvailableScope, scopes []string) []string {
	var bad []string
	for _, s := range scopes {
		if slices.Contains(SystemUserScopes, s) || slices.Contains(DelegationScopes, s) || slices.Contains(bad, s) {
			continue
		}
		if !slices.ContainsFunc(available, func(a AvailableScope) bool { return a.Name == s }) {
			bad = append(bad, s)
		}
	}
	return bad
}
