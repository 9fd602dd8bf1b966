package sim

import (
	"encoding/json"
	"net/http"
)

// mountSelfServiceControl adds the control route for state that the
// self-service API can no longer produce.
func (h *site) mountSelfServiceControl(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+prefixControl+"/clients/{id}/legacy-jwks", h.ctlPutLegacyJWKS)
}

// PUT /sim/clients/{id}/legacy-jwks {"keys":[...]} -> 200 client. Like PUT
// /sim/clients/{id}/jwks, but a key may lack use, as keys registered before
// 2025-05-22 do on Digdir: clients must add use "sig" when they post such a
// key back, and tests need a way to hold them to that.
func (h *site) ctlPutLegacyJWKS(w http.ResponseWriter, r *http.Request) {
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
			now := h.now()
			raw, legacy, err := withUse(req.Keys)
			if err != nil {
				return err
			}
			keys, err := checkPublicJWKS(raw, now)
			if err != nil {
				return badRequest("keys: %v", err)
			}
			for i := range keys {
				if legacy[i] {
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

// withUse returns the keys with use "sig" added where it is missing, so
// that they pass the current rules, and which keys lacked it.
func withUse(keys []json.RawMessage) ([]json.RawMessage, []bool, error) {
	out := make([]json.RawMessage, len(keys))
	legacy := make([]bool, len(keys))
	for i, k := range keys {
		var m map[string]json.RawMessage
		if json.Unmarshal(k, &m) != nil || m == nil {
			return nil, nil, badRequest("keys: key %d: not a JSON object", i+1)
		}
		out[i] = k
		if _, ok := m["use"]; !ok {
			m["use"] = json.RawMessage(`"sig"`)
			out[i], _ = json.Marshal(m)
			legacy[i] = true
		}
	}
	return out, legacy, nil
}
