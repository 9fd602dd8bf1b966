package sim

import "net/http"

// mountSelfService registers Digdir's self-service API under
// prefixSelfService. Placeholder: the self-service work replaces this file.
func (h *site) mountSelfService(mux *http.ServeMux) {}
