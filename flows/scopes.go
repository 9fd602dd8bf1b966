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
		if s.AccessibleForAll && s.AllowsMaskinporten() && !seen[s.Name] {
			seen[s.Name] = true
			out = append(out, AvailableScope{Name: s.Name, Description: s.Description, Access: ScopePublic})
		}
	}
	slices.SortFunc(out, func(a, b AvailableScope) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
