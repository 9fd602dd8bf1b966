package sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// Altinn's system register, vendor side:
// /authentication/api/v1/systemregister/vendor[/{systemId}[/rights|/accesspackages]].
// Answers, codes and quirks follow altinn-api.md §2 (create answers 200 with
// a bare JSON string; PUT replaces everything; DELETE is soft and burns the
// id; unknown ids give 404, 500 or 400 depending on the endpoint).

const (
	systemRegisterPath        = prefixAltinn + "/authentication/api/v1/systemregister/vendor"
	scopeSystemRegisterAdmin  = "altinn:authentication/systemregister.admin"
	maxSystemRegisterBodySize = 1 << 20
)

func (h *site) mountSystemRegister(mux *http.ServeMux) {
	mux.HandleFunc("POST "+systemRegisterPath, h.srCreate)
	mux.HandleFunc("GET "+systemRegisterPath, h.srList)
	mux.HandleFunc("GET "+systemRegisterPath+"/{id}", h.srGet)
	mux.HandleFunc("PUT "+systemRegisterPath+"/{id}", h.srReplace)
	mux.HandleFunc("PUT "+systemRegisterPath+"/{id}/rights", h.srUpdateRights)
	mux.HandleFunc("PUT "+systemRegisterPath+"/{id}/accesspackages", h.srUpdatePackages)
	mux.HandleFunc("DELETE "+systemRegisterPath+"/{id}", h.srDelete)
}

// Wire shapes. Decoding is case-insensitive and ignores unknown members,
// as ASP.NET's is.
type (
	wireVendor struct {
		Authority string `json:"authority,omitempty"`
		ID        string `json:"ID"`
	}
	wireRight struct {
		Action   string     `json:"action,omitempty"`
		Resource []wireAttr `json:"resource"`
	}
	wireAttr struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	}
	wirePackage struct {
		URN string `json:"urn"`
	}
)

// registerRequest is RegisterSystemRequest. Rights is raw so that an
// explicit null can crash like Altinn's does.
type registerRequest struct {
	ID                  string            `json:"id"`
	Vendor              *wireVendor       `json:"vendor"`
	Name                map[string]string `json:"name"`
	Description         map[string]string `json:"description"`
	Rights              json.RawMessage   `json:"rights"`
	AccessPackages      []wirePackage     `json:"accessPackages"`
	ClientID            []string          `json:"clientId"`
	AllowedRedirectURLs []string          `json:"allowedRedirectUrls"`
	IsVisible           *bool             `json:"isVisible"`

	rights []wireRight
}

// systemResponse is RegisteredSystemResponse (GET vendor/{id}).
type systemResponse struct {
	ID                  string            `json:"id"`
	Vendor              wireVendor        `json:"vendor"`
	Name                map[string]string `json:"name"`
	Description         map[string]string `json:"description"`
	Rights              []wireRight       `json:"rights"`
	AccessPackages      []wirePackage     `json:"accessPackages"`
	IsDeleted           bool              `json:"isDeleted"`
	ClientID            []string          `json:"clientId"`
	IsVisible           bool              `json:"isVisible"`
	AllowedRedirectURLs []string          `json:"allowedRedirectUrls"`
}

// systemDTO is RegisteredSystemDTO (the vendor's list).
type systemDTO struct {
	SystemID              string            `json:"systemId"`
	SystemVendorOrgNumber string            `json:"systemVendorOrgNumber"`
	SystemVendorOrgName   string            `json:"systemVendorOrgName"`
	Name                  map[string]string `json:"name"`
	Description           map[string]string `json:"description"`
	Rights                []wireRight       `json:"rights"`
	AccessPackages        []wirePackage     `json:"accessPackages"`
	IsVisible             bool              `json:"isVisible"`
}

type updateResult struct {
	Succeeded bool `json:"succeeded"`
}

// refusal is a finished error answer, returned through store.mutate.
type refusal func(http.ResponseWriter)

func (refusal) Error() string { return "sim: refused" }

func refuseValidation(errs []vldError) error {
	return refusal(func(w http.ResponseWriter) { writeValidation(w, errs) })
}

func refuseText(status int, text string) error {
	return refusal(func(w http.ResponseWriter) { writeText(w, status, text) })
}

func refuseStatus(status int) error {
	return refusal(func(w http.ResponseWriter) { w.WriteHeader(status) })
}

// finish writes err's answer, or ok's on success.
func finish(w http.ResponseWriter, err error, ok func()) {
	var ref refusal
	switch {
	case errors.As(err, &ref):
		ref(w)
	case err != nil:
		http.Error(w, "sim: "+err.Error(), http.StatusInternalServerError)
	default:
		ok()
	}
}

// srCaller checks the token like Altinn's authentication API: a
// Maskinporten or an exchanged Altinn token (401, empty, if neither), with
// systemregister.write or .admin (403, empty, if not). admin may manage any
// vendor's systems.
func (h *site) srCaller(w http.ResponseWriter, r *http.Request) (c *caller, admin, ok bool) {
	c, ok = h.bearer(r, h.maskinportenTokens(), h.altinnTokens())
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return nil, false, false
	}
	admin = c.hasScope(scopeSystemRegisterAdmin)
	if !admin && !c.hasScope(scopeSystemRegisterWrite) {
		w.WriteHeader(http.StatusForbidden)
		return nil, false, false
	}
	return c, admin, true
}

func (c *caller) owns(sys *system, admin bool) bool { return admin || sys.VendorOrgNo == c.OrgNo }

// decodeRegister reads a RegisterSystemRequest; binding failures answer
// like ASP.NET's [ApiController] (400 with an "errors" dictionary). Top-level
// strings are trimmed, as Altinn's TrimStringsActionFilter does.
func decodeRegister(w http.ResponseWriter, r *http.Request) (*registerRequest, bool) {
	var req registerRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSystemRegisterBodySize)).Decode(&req); err != nil {
		writeModelErrors(w, map[string][]string{"$": {"The JSON value could not be converted to RegisterSystemRequest."}})
		return nil, false
	}
	missing := map[string][]string{}
	for name, absent := range map[string]bool{
		"Id": strings.TrimSpace(req.ID) == "", "Vendor": req.Vendor == nil,
		"Name": req.Name == nil, "Description": req.Description == nil,
	} {
		if absent {
			missing[name] = []string{"The " + name + " field is required."}
		}
	}
	if len(missing) > 0 {
		writeModelErrors(w, missing)
		return nil, false
	}
	if string(req.Rights) == "null" {
		// Altinn dereferences the list without a check.
		http.Error(w, "", http.StatusInternalServerError)
		return nil, false
	}
	if len(req.Rights) > 0 && json.Unmarshal(req.Rights, &req.rights) != nil {
		writeModelErrors(w, map[string][]string{"$.rights": {"The JSON value could not be converted to Right[]."}})
		return nil, false
	}
	req.ID = strings.TrimSpace(req.ID)
	req.Vendor.ID = strings.TrimSpace(req.Vendor.ID)
	return &req, true
}

func (req *registerRequest) visible() bool { return req.IsVisible == nil || *req.IsVisible }

// setFields copies what a POST or PUT sets onto sys.
func (req *registerRequest) setFields(sys *system) {
	sys.Name, sys.Description = req.Name, req.Description
	sys.Rights = req.rights
	sys.AccessPackages = req.AccessPackages
	sys.ClientIDs = dedupe(req.ClientID)
	sys.RedirectURLs = make([]string, 0, len(req.AllowedRedirectURLs))
	for _, u := range req.AllowedRedirectURLs {
		sys.RedirectURLs = append(sys.RedirectURLs, storedURL(u))
	}
	sys.Hidden = !req.visible()
}

func (s *system) response() systemResponse {
	return systemResponse{
		ID: s.ID, Vendor: wireVendor{ID: prefixedOrgNo(s.VendorOrgNo)},
		Name: orEmptyMap(s.Name), Description: orEmptyMap(s.Description),
		Rights: orEmpty(s.Rights), AccessPackages: orEmpty(s.AccessPackages),
		IsDeleted: s.IsDeleted, ClientID: orEmpty(s.ClientIDs), IsVisible: !s.Hidden,
		AllowedRedirectURLs: orEmpty(s.RedirectURLs),
	}
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
