package sim

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// Digdir's self-service API ("selvbetjenings-API", maskinporten.md §5, §6)
// for Maskinporten clients, under prefixSelfService, which stands in for
// https://api.test.samarbeid.digdir.no/api/v1.
//
// Callers authenticate with a Maskinporten access token from this site's
// token endpoint; its consumer org owns the clients it creates and is the
// only org that sees them. Changes are visible to the token endpoint at
// once. The real service can take minutes (the wizard says so); a knob for
// such a delay would need a Config field and a check in the token
// endpoint's key lookup, neither of which is here.

func (h *site) mountSelfService(mux *http.ServeMux) {
	p := prefixSelfService
	mux.HandleFunc("GET "+p+"/clients", h.ssAuth(readScopes, h.ssListClients))
	mux.HandleFunc("POST "+p+"/clients", h.ssAuth(writeScopes, h.ssCreateClient))
	mux.HandleFunc("GET "+p+"/clients/{id}", h.ssAuth(readScopes, h.ssGetClient))
	mux.HandleFunc("PUT "+p+"/clients/{id}", h.ssAuth(modifyScopes, h.ssUpdateClient))
	mux.HandleFunc("DELETE "+p+"/clients/{id}", h.ssAuth(writeScopes, h.ssDeleteClient))
	mux.HandleFunc("GET "+p+"/clients/{id}/jwks", h.ssAuth(readScopes, h.ssGetJWKS))
	mux.HandleFunc("POST "+p+"/clients/{id}/jwks", h.ssAuth(writeScopes, h.ssPutJWKS))
	mux.HandleFunc("PUT "+p+"/clients/{id}/jwks", h.ssAuth(writeScopes, h.ssPutJWKS))
	mux.HandleFunc("DELETE "+p+"/clients/{id}/jwks", h.ssAuth(writeScopes, h.ssDeleteJWKS))
	mux.HandleFunc("GET "+p+"/scopes/all", h.ssListScopes)
	mux.HandleFunc("GET "+p+"/scopes/access/all", h.ssAuth(readScopes, h.ssListScopeAccess))
	// Anything else, trailing slashes included (the v1 API has none).
	mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		h.ssFail(w, ssFailure(http.StatusNotFound, "No endpoint %s %s", r.Method, r.URL.Path))
	})
}

// Admin-token scopes that allow a call (§5.2). Peers read with dcr.read and
// do everything else with dcr.write; a token with dcr.write may read too.
// dcr.modify ("modify existing clients") is accepted for PUT of a client
// only; whether it also covers key sets is undocumented.
var (
	readScopes   = []string{scopeDCRRead, scopeDCRWrite}
	writeScopes  = []string{scopeDCRWrite}
	modifyScopes = []string{scopeDCRWrite, scopeDCRModify}
)

type ssHandler func(w http.ResponseWriter, r *http.Request, c *caller)

// ssAuth checks the bearer token (signature, issuer, expiry: bearer.go) and
// that it carries one of scopes: 401 or 403 otherwise, in the API's error
// format, with the RFC 6750 challenge a Spring resource server sends.
func (h *site) ssAuth(scopes []string, next ssHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := h.bearer(r, h.maskinportenTokens())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			h.ssFail(w, ssFailure(http.StatusUnauthorized, "Full authentication is required to access this resource: send a valid Maskinporten access token as Bearer"))
			return
		}
		if !slices.ContainsFunc(scopes, c.hasScope) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
			h.ssFail(w, ssFailure(http.StatusForbidden, "Access denied: the token needs the scope %s", strings.Join(scopes, " or ")))
			return
		}
		next(w, r, c)
	}
}

// ownedClient returns the client if c's org owns it. Another org's client
// is "not found", like a missing one, so that ids of others leak nothing.
// Deactivated clients are found only when inactive is set: whether Digdir
// answers GET /clients/{id} for them is unconfirmed.
func ownedClient(st *stateData, c *caller, id string, inactive bool) (*clientReg, error) {
	reg := st.Clients[id]
	if reg == nil || reg.OrgNo != c.OrgNo || reg.IntegrationType != integrationMaskinporten || !reg.Active && !inactive {
		return nil, ssFailure(http.StatusNotFound, "Client %s not found", id)
	}
	return reg, nil
}

func wantInactive(r *http.Request) bool { return r.URL.Query().Get("inactive") == "true" }

// GET /clients[?inactive=true]: the org's clients, oldest first.
func (h *site) ssListClients(w http.ResponseWriter, r *http.Request, c *caller) {
	st := h.store.snapshot()
	out := []ssClient{}
	for _, reg := range sortedValues(st.Clients) {
		if _, err := ownedClient(st, c, reg.ClientID, wantInactive(r)); err == nil {
			out = append(out, ssClientOf(reg))
		}
	}
	slices.SortStableFunc(out, func(a, b ssClient) int { return cmp.Compare(a.Created, b.Created) })
	writeJSON(w, http.StatusOK, out)
}

// GET /clients/{id}[?inactive=true].
func (h *site) ssGetClient(w http.ResponseWriter, r *http.Request, c *caller) {
	reg, err := ownedClient(h.store.snapshot(), c, r.PathValue("id"), wantInactive(r))
	if err != nil {
		h.ssFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ssClientOf(reg))
}

// POST /clients -> 201 with the client as stored, client_id new and
// client_orgno from the token. Digdir's create status (200 or 201) is
// unconfirmed.
func (h *site) ssCreateClient(w http.ResponseWriter, r *http.Request, c *caller) {
	var out ssClient
	in, err := readClientBody(w, r)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			if errs := checkClientBody(st, in, c.OrgNo, nil); len(errs) > 0 {
				return ssFields(objClient, http.StatusBadRequest, errs...)
			}
			now := h.now()
			reg := &clientReg{
				ClientID: newUUID(), OrgNo: c.OrgNo, ClientName: in.ClientName, Description: in.Description,
				Scopes: dedupe(in.Scopes), IntegrationType: integrationMaskinporten, Active: true,
				Created: now, LastUpdated: now, Keys: []jwk{},
			}
			st.Clients[reg.ClientID] = reg
			out = ssClientOf(reg)
			return nil
		})
	}
	if err != nil {
		h.ssFail(w, err)
		return
	}
	h.logf("sim: selfservice: org %s created client %s", c.OrgNo, out.ClientID)
	writeJSON(w, http.StatusCreated, out)
}

// PUT /clients/{id}: a full replace of what the sim keeps (name,
// description, scopes); integration_type must stay. The body is read before
// the client is looked up, as Spring does, and outside the state lock.
func (h *site) ssUpdateClient(w http.ResponseWriter, r *http.Request, c *caller) {
	in, err := readClientBody(w, r)
	if err != nil {
		h.ssFail(w, err)
		return
	}
	h.ssMutateClient(w, r, c, http.StatusOK, func(st *stateData, reg *clientReg) (any, error) {
		if errs := checkClientBody(st, in, c.OrgNo, reg); len(errs) > 0 {
			return nil, ssFields(objClient, http.StatusBadRequest, errs...)
		}
		reg.ClientName, reg.Description, reg.Scopes = in.ClientName, in.Description, dedupe(in.Scopes)
		reg.LastUpdated = h.now()
		return ssClientOf(reg), nil
	})
}

// DELETE /clients/{id} -> 204. Digdir never deletes for good: the client
// is deactivated, hidden unless ?inactive=true, and its grants fail like an
// unknown client's (MP-100). The answer's status is unconfirmed.
func (h *site) ssDeleteClient(w http.ResponseWriter, r *http.Request, c *caller) {
	h.ssMutateClient(w, r, c, http.StatusNoContent, func(st *stateData, reg *clientReg) (any, error) {
		reg.Active, reg.LastUpdated = false, h.now()
		return nil, nil
	})
}

// ssMutateClient changes the caller's active client {id} with fn inside a
// state mutation, then answers status with fn's body (none when nil). The
// answer is written only once the mutation is stored.
func (h *site) ssMutateClient(w http.ResponseWriter, r *http.Request, c *caller, status int, fn func(*stateData, *clientReg) (any, error)) {
	var body any
	err := h.store.mutate(func(st *stateData) error {
		reg, err := ownedClient(st, c, r.PathValue("id"), false)
		if err != nil {
			return err
		}
		body, err = fn(st, reg)
		return err
	})
	switch {
	case err != nil:
		h.ssFail(w, err)
	case body == nil:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, body)
	}
}

// GET /clients/{id}/jwks.
func (h *site) ssGetJWKS(w http.ResponseWriter, r *http.Request, c *caller) {
	reg, err := ownedClient(h.store.snapshot(), c, r.PathValue("id"), false)
	if err != nil {
		h.ssFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ssJWKSOf(reg))
}

// POST and PUT /clients/{id}/jwks replace the whole key set (§5.5) and
// answer with the set as stored, each key with its exp.
func (h *site) ssPutJWKS(w http.ResponseWriter, r *http.Request, c *caller) {
	now := h.now()
	keys, err := readKeySet(w, r, now)
	if err != nil {
		h.ssFail(w, err)
		return
	}
	if _, ok := h.faults.take(r.URL.Path, true); ok {
		h.logf("sim: %s %s: injected fault: key %q dropped", r.Method, r.URL.Path, keys[len(keys)-1].Kid)
		keys = keys[:len(keys)-1]
	}
	h.ssMutateClient(w, r, c, http.StatusOK, func(st *stateData, reg *clientReg) (any, error) {
		reg.Keys, reg.LastUpdated = keys, now
		return ssJWKSOf(reg), nil
	})
}

// DELETE /clients/{id}/jwks -> 204: the only way to remove the last key.
func (h *site) ssDeleteJWKS(w http.ResponseWriter, r *http.Request, c *caller) {
	h.ssMutateClient(w, r, c, http.StatusNoContent, func(st *stateData, reg *clientReg) (any, error) {
		reg.Keys, reg.LastUpdated = []jwk{}, h.now()
		return nil, nil
	})
}

// GET /scopes/all[?accessible_for_all=true]: public per Digdir's docs, so
// no token is needed (one that is sent is ignored).
func (h *site) ssListScopes(w http.ResponseWriter, r *http.Request) {
	open := r.URL.Query().Get("accessible_for_all") == "true"
	out := []ssScope{}
	for _, sc := range sortedValues(h.store.snapshot().Scopes) {
		if !open || sc.AccessibleForAll {
			out = append(out, ssScopeOf(sc))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /scopes/access/all: the scopes API owners granted the token's org.
// The sim knows only granted access, so every state is APPROVED.
func (h *site) ssListScopeAccess(w http.ResponseWriter, r *http.Request, c *caller) {
	out := []ssScopeAccess{}
	for _, sc := range h.store.snapshot().Scopes {
		if slices.Contains(sc.GrantedOrgs, c.OrgNo) {
			out = append(out, ssScopeAccess{Scope: sc.Name, State: "APPROVED", ConsumerOrgno: c.OrgNo, OwnerOrgno: sc.OwnerOrgNo})
		}
	}
	slices.SortFunc(out, func(a, b ssScopeAccess) int { return strings.Compare(a.Scope, b.Scope) })
	writeJSON(w, http.StatusOK, out)
}
