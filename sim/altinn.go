package sim

import "net/http"

// mountAltinn registers Altinn's platform APIs under prefixAltinn (the token
// exchange is already mounted by exchange.go). Placeholder: the Altinn work
// replaces this file.
func (h *site) mountAltinn(mux *http.ServeMux) {}

// mountAltinnUI registers Altinn's approval pages under prefixAltinnUI.
// Placeholder, like mountAltinn.
func (h *site) mountAltinnUI(mux *http.ServeMux) {}
