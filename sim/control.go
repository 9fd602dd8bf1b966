package sim

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// The control API (/sim) seeds and inspects the simulator. It is
// unauthenticated: it is meant for tests and for the CLI's embedded sandbox
// on loopback, never for a network others can reach, and guardControl
// (guard.go) keeps web pages out of it.

const maxControlBody = 1 << 20

func (h *site) mountControl(mux *http.ServeMux) {
	mux.HandleFunc("GET "+prefixControl+"/state", h.ctlState)
	mux.HandleFunc("POST "+prefixControl+"/orgs", h.ctlAddOrg)
	mux.HandleFunc("POST "+prefixControl+"/clients", h.ctlAddClient)
	mux.HandleFunc("PUT "+prefixControl+"/clients/{id}/jwks", h.ctlPutJWKS(false))
	mux.HandleFunc("PUT "+prefixControl+"/clients/{id}/legacy-jwks", h.ctlPutJWKS(true))
	mux.HandleFunc("POST "+prefixControl+"/trust", h.ctlTrust)
	mux.HandleFunc("POST "+prefixControl+"/scopes", h.ctlPutScope)
	mux.HandleFunc("POST "+prefixControl+"/systems", h.ctlAddSystem)
	mux.HandleFunc("POST "+prefixControl+"/systemusers", h.ctlAddSystemUser)
	mux.HandleFunc("POST "+prefixControl+"/faults", h.ctlAddFault)
	mux.HandleFunc("DELETE "+prefixControl+"/faults", h.ctlClearFaults)
}

// ctlError is a control API error: {"error": msg} with status code.
type ctlError struct {
	code int
	msg  string
}

func (e *ctlError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &ctlError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &ctlError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func writeCtlError(w http.ResponseWriter, err error) {
	var ce *ctlError
	if !errors.As(err, &ce) {
		ce = &ctlError{http.StatusInternalServerError, err.Error()}
	}
	writeJSON(w, ce.code, map[string]string{"error": ce.msg})
}

// decodeBody reads a JSON body strictly: unknown fields are errors, so a
// typo in a test's seed data fails loudly.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

// stateSummary is GET /sim/state: everything the simulator knows, as sorted
// lists. It holds nothing secret (keys are public JWKs).
type stateSummary struct {
	URLs        URLs          `json:"urls"`
	Orgs        []*org        `json:"orgs"`
	Scopes      []*scopeDef   `json:"scopes"`
	Clients     []*clientReg  `json:"clients"`
	TrustedCAs  []caSummary   `json:"trusted_cas"`
	Systems     []*system     `json:"systems"`
	SystemUsers []*systemUser `json:"system_users"`
}

type caSummary struct {
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
}

func (h *site) ctlState(w http.ResponseWriter, r *http.Request) {
	st := h.store.snapshot()
	sum := stateSummary{
		URLs:        h.urls,
		Orgs:        sortedValues(st.Orgs),
		Scopes:      sortedValues(st.Scopes),
		Clients:     sortedValues(st.Clients),
		TrustedCAs:  []caSummary{},
		Systems:     sortedValues(st.Systems),
		SystemUsers: sortedValues(st.SystemUsers),
	}
	for _, ca := range st.TrustedCAs {
		if c, err := parseCertPEM(ca.PEM); err == nil {
			sum.TrustedCAs = append(sum.TrustedCAs, caSummary{ca.Subject, c.NotAfter})
		}
	}
	writeJSON(w, http.StatusOK, sum)
}

func sortedValues[V any](m map[string]*V) []*V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*V, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// POST /sim/orgs {"org_no","name","role"} -> 201 org.
func (h *site) ctlAddOrg(w http.ResponseWriter, r *http.Request) {
	var req org
	err := decodeBody(w, r, &req)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			switch {
			case !validOrgNo(req.OrgNo):
				return badRequest("org_no %q is not a valid organisation number (9 digits, mod-11 check digit)", req.OrgNo)
			case strings.TrimSpace(req.Name) == "":
				return badRequest("name is required")
			case !slices.Contains([]string{roleVendor, roleCustomer, roleServiceOwner}, req.Role):
				return badRequest("role must be %q, %q or %q, got %q", roleVendor, roleCustomer, roleServiceOwner, req.Role)
			case st.Orgs[req.OrgNo] != nil:
				return badRequest("org %s already exists", req.OrgNo)
			}
			st.Orgs[req.OrgNo] = &req
			return nil
		})
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

// knownOrg returns an error unless orgNo is valid and known.
func (st *stateData) knownOrg(field, orgNo string) error {
	if !validOrgNo(orgNo) {
		return badRequest("%s %q is not a valid organisation number (9 digits, mod-11 check digit)", field, orgNo)
	}
	if st.Orgs[orgNo] == nil {
		return badRequest("%s %s is not known to the simulator: add it with POST /sim/orgs", field, orgNo)
	}
	return nil
}

type jwkSetRequest struct {
	Keys []json.RawMessage `json:"keys"`
}

type createClientRequest struct {
	OrgNo       string         `json:"org_no"`
	ClientName  string         `json:"client_name"`
	Description string         `json:"description"`
	Scopes      []string       `json:"scopes"`
	Keys        *jwkSetRequest `json:"keys"`
	Admin       bool           `json:"admin"`
}

// POST /sim/clients -> 201 client. Scopes must exist in the catalogue but
// need not be accessible to the org: tests use that to reach MP-201 and
// MP-250, which in reality follow from scope changes after registration.
func (h *site) ctlAddClient(w http.ResponseWriter, r *http.Request) {
	var req createClientRequest
	var created *clientReg
	err := decodeBody(w, r, &req)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			if err := st.knownOrg("org_no", req.OrgNo); err != nil {
				return err
			}
			if strings.TrimSpace(req.ClientName) == "" {
				return badRequest("client_name is required")
			}
			scopes, err := st.catalogueScopes(req.Scopes)
			if err != nil {
				return err
			}
			now := h.now()
			keys := []jwk{}
			if req.Keys != nil {
				if keys, err = checkPublicJWKS(req.Keys.Keys, now); err != nil {
					return badRequest("keys: %v", err)
				}
			}
			created = &clientReg{
				ClientID: newUUID(), OrgNo: req.OrgNo, ClientName: req.ClientName, Description: req.Description,
				Scopes: scopes, IntegrationType: integrationMaskinporten, Active: true, Admin: req.Admin,
				Created: now, LastUpdated: now, Keys: keys,
			}
			st.Clients[created.ClientID] = created
			return nil
		})
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

// catalogueScopes checks that every scope exists and returns them deduplicated.
func (st *stateData) catalogueScopes(scopes []string) ([]string, error) {
	out := []string{}
	for _, s := range scopes {
		if st.Scopes[s] == nil {
			return nil, badRequest("scope %q is not in the simulator's catalogue: add it with POST /sim/scopes", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// PUT /sim/clients/{id}/jwks {"keys":[...]} -> 200 client. Replaces the
// whole set, like Digdir.
//
// PUT /sim/clients/{id}/legacy-jwks does the same but lets a key lack use,
// as keys registered before 2025-05-22 do on Digdir: clients must add use
// "sig" when they post such a key back, and tests need a way to hold them
// to that.
func (h *site) ctlPutJWKS(legacy bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req jwkSetRequest
		var updated *clientReg
		id := r.PathValue("id")
		err := decodeBody(w, r, &req)
		if err == nil {
			err = h.store.mutate(func(st *stateData) error {
				c := st.Clients[id]
				if c == nil {
					return notFound("client %s does not exist", id)
				}
				raw, lacksUse := req.Keys, make([]bool, len(req.Keys))
				if legacy {
					var err error
					if raw, lacksUse, err = withUse(req.Keys); err != nil {
						return err
					}
				}
				now := h.now()
				keys, err := checkPublicJWKS(raw, now)
				if err != nil {
					return badRequest("keys: %v", err)
				}
				for i := range keys {
					if lacksUse[i] {
						keys[i].Use = ""
					}
				}
				c.Keys, c.LastUpdated = keys, now
				updated = c
				return nil
			})
		}
		if err != nil {
			writeCtlError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, updated)
	}
}

// withUse returns the keys with use "sig" added where it is missing, so
// that they pass the current rules, and which keys lacked it.
func withUse(keys []json.RawMessage) ([]json.RawMessage, []bool, error) {
	out := make([]json.RawMessage, len(keys))
	lacks := make([]bool, len(keys))
	for i, k := range keys {
		var m map[string]json.RawMessage
		if json.Unmarshal(k, &m) != nil || m == nil {
			return nil, nil, badRequest("keys: key %d: not a JSON object", i+1)
		}
		out[i] = k
		if _, ok := m["use"]; !ok {
			m["use"] = json.RawMessage(`"sig"`)
			out[i], _ = json.Marshal(m)
			lacks[i] = true
		}
	}
	return out, lacks, nil
}

type trustRequest struct {
	PEM string `json:"pem"`
}

type trustResponse struct {
	Trusted []caSummary `json:"trusted"`
}

// POST /sim/trust {"pem"} -> 201 {"trusted":[{subject, not_after}]}: CA
// certificates that x5c grants may chain to.
func (h *site) ctlTrust(w http.ResponseWriter, r *http.Request) {
	var req trustRequest
	var resp trustResponse
	err := decodeBody(w, r, &req)
	if err == nil {
		var cas []*x509.Certificate
		if cas, err = parseCACerts(req.PEM); err == nil {
			err = h.store.mutate(func(st *stateData) error {
				for _, c := range cas {
					p := certPEM(c)
					if !slices.ContainsFunc(st.TrustedCAs, func(t trustedCA) bool { return t.PEM == p }) {
						st.TrustedCAs = append(st.TrustedCAs, trustedCA{Subject: c.Subject.String(), PEM: p, Added: h.now()})
					}
					resp.Trusted = append(resp.Trusted, caSummary{c.Subject.String(), c.NotAfter})
				}
				return nil
			})
		}
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

// parseCACerts reads the CERTIFICATE blocks of a PEM text. It refuses
// private keys outright rather than ignoring them, so that nobody thinks
// the simulator kept one.
func parseCACerts(text string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if strings.Contains(b.Type, "PRIVATE KEY") {
			return nil, badRequest("pem contains a private key: send only the CA certificate")
		}
		if b.Type != "CERTIFICATE" {
			return nil, badRequest("pem block %q is not a CERTIFICATE", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, badRequest("certificate does not parse: %v", err)
		}
		if !c.IsCA {
			return nil, badRequest("certificate %q is not a CA certificate (basicConstraints CA:TRUE): trust the issuing CA, not the leaf", c.Subject)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, badRequest("pem holds no CERTIFICATE block")
	}
	return out, nil
}

func parseCertPEM(text string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(text))
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParseCertificate(b.Bytes)
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// POST /sim/scopes -> 201 scope (200 when it replaced one).
func (h *site) ctlPutScope(w http.ResponseWriter, r *http.Request) {
	var req scopeDef
	status := http.StatusCreated
	err := decodeBody(w, r, &req)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			prefix, sub, ok := strings.Cut(req.Name, ":")
			if !ok || prefix == "" || sub == "" || strings.ContainsAny(req.Name, " \t\n") {
				return badRequest("name %q must look like prefix:subscope, without spaces", req.Name)
			}
			if len(req.AllowedIntegrationTypes) == 0 {
				return badRequest("allowed_integration_types is required, e.g. [\"maskinporten\"]")
			}
			if req.OwnerOrgNo == "" {
				req.OwnerOrgNo = digdirOrgNo
			}
			if !validOrgNo(req.OwnerOrgNo) {
				return badRequest("owner_org_no %q is not a valid organisation number", req.OwnerOrgNo)
			}
			if req.GrantedOrgs == nil {
				req.GrantedOrgs = []string{}
			}
			for _, o := range req.GrantedOrgs {
				if !validOrgNo(o) {
					return badRequest("granted_orgs: %q is not a valid organisation number", o)
				}
			}
			if st.Scopes[req.Name] != nil {
				status = http.StatusOK
			}
			st.Scopes[req.Name] = &req
			return nil
		})
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, status, req)
}

type createSystemRequest struct {
	ID          string   `json:"id"`
	VendorOrgNo string   `json:"vendor_org_no"`
	ClientIDs   []string `json:"client_ids"`
}

// POST /sim/systems -> 201 system. Rules follow Altinn's system register:
// id "<vendor>_<name>", unique forever, each client id on one live system.
func (h *site) ctlAddSystem(w http.ResponseWriter, r *http.Request) {
	var req createSystemRequest
	var created *system
	err := decodeBody(w, r, &req)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			if err := st.knownOrg("vendor_org_no", req.VendorOrgNo); err != nil {
				return err
			}
			name, ok := strings.CutPrefix(req.ID, req.VendorOrgNo+"_")
			if !ok || name == "" || strings.ContainsAny(req.ID, " \t\n") {
				return badRequest("id %q must be \"%s_<name>\" without spaces", req.ID, req.VendorOrgNo)
			}
			if st.Systems[req.ID] != nil {
				return badRequest("system id %s already exists (ids of deleted systems stay taken)", req.ID)
			}
			ids := []string{}
			for _, id := range req.ClientIDs {
				c := st.Clients[id]
				switch {
				case c == nil:
					return badRequest("client %s does not exist", id)
				case c.OrgNo != req.VendorOrgNo:
					return badRequest("client %s belongs to org %s, not to the vendor %s", id, c.OrgNo, req.VendorOrgNo)
				case st.systemForClient(id) != nil:
					return badRequest("client %s is already on system %s: a client id can be on one system only", id, st.systemForClient(id).ID)
				}
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			created = &system{ID: req.ID, VendorOrgNo: req.VendorOrgNo, ClientIDs: ids, Created: h.now()}
			st.Systems[created.ID] = created
			return nil
		})
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

type createSystemUserRequest struct {
	SystemID    string  `json:"system_id"`
	PartyOrgNo  string  `json:"party_org_no"`
	ExternalRef *string `json:"external_ref"`
	Type        string  `json:"type"`
}

// POST /sim/systemusers -> 201 system user (with its new id): as if the
// party had approved a request.
func (h *site) ctlAddSystemUser(w http.ResponseWriter, r *http.Request) {
	var req createSystemUserRequest
	var created *systemUser
	err := decodeBody(w, r, &req)
	if err == nil {
		err = h.store.mutate(func(st *stateData) error {
			sys := st.Systems[req.SystemID]
			if sys == nil || sys.IsDeleted {
				return badRequest("system %q does not exist", req.SystemID)
			}
			if err := st.knownOrg("party_org_no", req.PartyOrgNo); err != nil {
				return err
			}
			ref := req.PartyOrgNo
			if req.ExternalRef != nil {
				if *req.ExternalRef == "" {
					return badRequest("external_ref must not be empty: omit it to default to the party's org number")
				}
				ref = *req.ExternalRef
			}
			typ := req.Type
			if typ == "" {
				typ = systemUserStandard
			}
			if typ != systemUserStandard && typ != systemUserAgent {
				return badRequest("type must be %q or %q, got %q", systemUserStandard, systemUserAgent, typ)
			}
			for _, su := range st.systemUsersFor(sys.ID, req.PartyOrgNo) {
				if su.ExternalRef == ref {
					return badRequest("org %s already has system user %s for system %s with external_ref %q", req.PartyOrgNo, su.ID, sys.ID, ref)
				}
			}
			created = &systemUser{ID: newUUID(), SystemID: sys.ID, PartyOrgNo: req.PartyOrgNo, ExternalRef: ref, Type: typ, Created: h.now()}
			st.SystemUsers[created.ID] = created
			return nil
		})
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

// POST /sim/faults -> 201 fault.
func (h *site) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f fault
	err := decodeBody(w, r, &f)
	if err == nil {
		if err = f.check(); err != nil {
			err = badRequest("%v", err)
		}
	}
	if err != nil {
		writeCtlError(w, err)
		return
	}
	h.faults.add(f)
	writeJSON(w, http.StatusCreated, f)
}

// DELETE /sim/faults -> 204.
func (h *site) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	h.faults.clear()
	w.WriteHeader(http.StatusNoContent)
}
