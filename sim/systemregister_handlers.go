package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// srCreate is POST vendor: VLD-00000 alone first; then every other field
// rule; then the owner check (403), before the collected errors are sent.
// 200 with the new internal id as a bare JSON string.
func (h *site) srCreate(w http.ResponseWriter, r *http.Request) {
	c, admin, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	req, ok := decodeRegister(w, r)
	if !ok {
		return
	}
	vendorOrgNo, ok := strings.CutPrefix(req.Vendor.ID, icd+":")
	if !ok {
		writeValidation(w, []vldError{{code: "AUTH.VLD-00000", path: pathVendorID}})
		return
	}
	var created *system
	err := h.store.mutate(func(st *stateData) error {
		errs := checkSystemID(st, req.ID, vendorOrgNo)
		errs = append(errs, checkRedirectURLs(req.AllowedRedirectURLs)...)
		errs = append(errs, checkClientIDs(st, req.ClientID, "", false)...)
		errs = append(errs, checkRights(req.rights)...)
		errs = append(errs, checkPackages(req.AccessPackages, req.visible())...)
		if !admin && vendorOrgNo != c.OrgNo {
			return refuseStatus(http.StatusForbidden)
		}
		if len(errs) > 0 {
			return refuseValidation(errs)
		}
		created = &system{ID: req.ID, VendorOrgNo: vendorOrgNo, InternalID: newUUID(), Created: h.now()}
		req.setFields(created)
		st.Systems[created.ID] = created
		return nil
	})
	finish(w, err, func() { writeJSON(w, http.StatusOK, created.InternalID) })
}

// srList is GET vendor: the caller's live systems.
func (h *site) srList(w http.ResponseWriter, r *http.Request) {
	c, _, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	out := []systemDTO{}
	for _, s := range sortedValues(h.store.snapshot().Systems) {
		if s.IsDeleted || s.VendorOrgNo != c.OrgNo {
			continue
		}
		rs := s.response()
		out = append(out, systemDTO{
			SystemID: s.ID, SystemVendorOrgNumber: s.VendorOrgNo, Name: rs.Name, Description: rs.Description,
			Rights: rs.Rights, AccessPackages: rs.AccessPackages, IsVisible: rs.IsVisible,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// srGet is GET vendor/{id}: deleted systems too, with isDeleted; 404 bare
// ProblemDetails if unknown, 403 if another vendor's.
func (h *site) srGet(w http.ResponseWriter, r *http.Request) {
	c, admin, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	sys := h.store.snapshot().Systems[r.PathValue("id")]
	switch {
	case sys == nil:
		writeBareNotFound(w)
	case !c.owns(sys, admin):
		w.WriteHeader(http.StatusForbidden)
	default:
		writeJSON(w, http.StatusOK, sys.response())
	}
}

// srReplace is PUT vendor/{id}: the body replaces the whole system.
func (h *site) srReplace(w http.ResponseWriter, r *http.Request) {
	c, admin, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	req, ok := decodeRegister(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	err := h.store.mutate(func(st *stateData) error {
		sys := st.Systems[id]
		switch {
		case sys == nil || req.Vendor.ID != prefixedOrgNo(sys.VendorOrgNo):
			return refuseText(http.StatusNotFound, fmt.Sprintf("System with ID '%s' not found.", id))
		case !c.owns(sys, admin):
			return refuseStatus(http.StatusForbidden)
		case req.ID != id:
			return refuseValidation([]vldError{{code: "AUTH.VLD-00012", path: pathSystemID}})
		case sys.IsDeleted:
			return refuseText(http.StatusBadRequest, "Cannot update a system marked as deleted.")
		}
		errs := checkRights(req.rights)
		errs = append(errs, checkPackages(req.AccessPackages, req.visible())...)
		errs = append(errs, checkClientIDs(st, req.ClientID, id, true)...)
		if len(errs) > 0 {
			return refuseValidation(errs)
		}
		req.setFields(sys)
		sys.Updated = h.now()
		return nil
	})
	finish(w, err, func() { writeJSON(w, http.StatusOK, updateResult{true}) })
}

// srUpdateRights is PUT vendor/{id}/rights.
func (h *site) srUpdateRights(w http.ResponseWriter, r *http.Request) {
	var rights []wireRight
	h.srUpdateList(w, r, &rights, func(st *stateData, sys *system) error {
		if errs := checkRights(rights); len(errs) > 0 {
			return refuseValidation(errs)
		}
		sys.Rights = rights
		return nil
	})
}

// srUpdatePackages is PUT vendor/{id}/accesspackages; VLD-00018 uses the
// stored isVisible.
func (h *site) srUpdatePackages(w http.ResponseWriter, r *http.Request) {
	var pkgs []wirePackage
	h.srUpdateList(w, r, &pkgs, func(st *stateData, sys *system) error {
		if errs := checkPackages(pkgs, !sys.Hidden); len(errs) > 0 {
			return refuseValidation(errs)
		}
		sys.AccessPackages = pkgs
		return nil
	})
}

// srUpdateList runs a rights or packages update: an unknown id is a 500
// (Altinn dereferences the missing system), another vendor's a 403, a
// deleted one a 400 text.
func (h *site) srUpdateList(w http.ResponseWriter, r *http.Request, body any, apply func(*stateData, *system) error) {
	c, admin, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSystemRegisterBodySize)).Decode(body); err != nil {
		writeModelErrors(w, map[string][]string{"$": {"The JSON value could not be converted to the list."}})
		return
	}
	id := r.PathValue("id")
	err := h.store.mutate(func(st *stateData) error {
		sys := st.Systems[id]
		switch {
		case sys == nil:
			return refuseStatus(http.StatusInternalServerError)
		case !c.owns(sys, admin):
			return refuseStatus(http.StatusForbidden)
		case sys.IsDeleted:
			return refuseText(http.StatusBadRequest, "Cannot update a system marked as deleted.")
		}
		if err := apply(st, sys); err != nil {
			return err
		}
		sys.Updated = h.now()
		return nil
	})
	finish(w, err, func() { writeJSON(w, http.StatusOK, updateResult{true}) })
}

// srDelete is DELETE vendor/{id}: a soft delete. The id stays taken for
// ever; the client ids are freed (systemForClient skips deleted systems)
// but still shown, as Altinn's GET shows them.
func (h *site) srDelete(w http.ResponseWriter, r *http.Request) {
	c, admin, ok := h.srCaller(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	err := h.store.mutate(func(st *stateData) error {
		sys := st.Systems[id]
		switch {
		case sys == nil:
			return refusal(func(w http.ResponseWriter) {
				writeModelErrors(w, map[string][]string{"return": {"System not found"}})
			})
		case !c.owns(sys, admin):
			return refuseStatus(http.StatusForbidden)
		}
		sys.IsDeleted = true
		sys.Updated = h.now()
		return nil
	})
	finish(w, err, func() { writeJSON(w, http.StatusOK, updateResult{true}) })
}
