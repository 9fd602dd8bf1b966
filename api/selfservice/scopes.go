package selfservice

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// Scope is a scope as listed by GET /scopes/all.
type Scope struct {
	Name                    string   `json:"name"` // prefix:subscope
	Prefix                  string   `json:"prefix"`
	Subscope                string   `json:"subscope"`
	Description             string   `json:"description"`
	LongDescription         string   `json:"long_description,omitempty"`
	AllowedIntegrationTypes []string `json:"allowed_integration_types"`
	AccessibleForAll        bool     `json:"accessible_for_all"`
	Visibility              string   `json:"visibility,omitempty"`        // PUBLIC, PRIVATE or INTERNAL
	DelegationSource        string   `json:"delegation_source,omitempty"` // set when delegable in Altinn
	OwnerOrgno              string   `json:"owner_orgno,omitempty"`
	Active                  bool     `json:"active"`
}

// AllowsMaskinporten reports whether the scope may go on a Maskinporten
// client.
func (s Scope) AllowsMaskinporten() bool {
	return slices.Contains(s.AllowedIntegrationTypes, IntegrationMaskinporten)
}

// ScopeAccess is a scope the organisation has been granted, asked for or
// refused, as listed by GET /scopes/access/all.
type ScopeAccess struct {
	Scope         string `json:"scope"`
	State         string `json:"state"` // AccessApproved, AccessRequested or AccessDenied
	ConsumerOrgno string `json:"consumer_orgno"`
	OwnerOrgno    string `json:"owner_orgno"`
}

// ScopeAccess states.
const (
	AccessApproved  = "APPROVED"
	AccessRequested = "REQUESTED"
	AccessDenied    = "DENIED"
)

// ListScopes lists the visible scopes; accessibleForAll narrows the list to
// those every organisation may use. Digdir documents this list as public;
// the admin token is sent anyway, which an open endpoint ignores.
func (a *API) ListScopes(ctx context.Context, accessibleForAll bool) ([]Scope, error) {
	var q url.Values
	if accessibleForAll {
		q = url.Values{"accessible_for_all": {"true"}}
	}
	var ss []Scope
	err := a.do(ctx, http.MethodGet, "/scopes/all", q, nil, &ss)
	return ss, err
}

// ListScopeAccess lists the scopes API owners have granted (or refused) the
// organisation of the admin token.
func (a *API) ListScopeAccess(ctx context.Context) ([]ScopeAccess, error) {
	var as []ScopeAccess
	err := a.do(ctx, http.MethodGet, "/scopes/access/all", nil, nil, &as)
	return as, err
}
