package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// fault makes the next Count requests under PathPrefix fail, to test client
// retries: with Status (and Retry-After when RetryAfterSeconds > 0), or by
// dropping the connection without an answer.
//
// A DropKey fault instead makes the next Count key-set writes under
// PathPrefix (POST or PUT .../clients/{id}/jwks) lose the last key posted:
// the set is stored and answered without it, as if the service had dropped
// it. Clients must notice that a key they posted is missing.
type fault struct {
	PathPrefix        string `json:"path_prefix"`
	Status            int    `json:"status,omitempty"`
	Count             int    `json:"count"`
	RetryAfterSeconds int    `json:"retry_after_seconds,omitempty"`
	CloseConnection   bool   `json:"close_connection,omitempty"`
	DropKey           bool   `json:"drop_key,omitempty"`
}

func (f *fault) check() error {
	switch {
	case !strings.HasPrefix(f.PathPrefix, "/"):
		return fmt.Errorf("path_prefix %q must start with '/', e.g. \"/maskinporten/token\"", f.PathPrefix)
	case strings.HasPrefix(f.PathPrefix, prefixControl+"/") || f.PathPrefix == prefixControl:
		return fmt.Errorf("path_prefix %q would break the control API, which is never faulted", f.PathPrefix)
	case f.Count < 1:
		return fmt.Errorf("count must be at least 1, got %d", f.Count)
	case f.DropKey && (f.CloseConnection || f.Status != 0 || f.RetryAfterSeconds != 0):
		return fmt.Errorf("drop_key answers normally: it takes no status, retry_after_seconds or close_connection")
	case f.DropKey:
		return nil
	case !f.CloseConnection && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("status must be an HTTP error status (400-599), got %d; or set close_connection", f.Status)
	case f.RetryAfterSeconds < 0:
		return fmt.Errorf("retry_after_seconds must not be negative")
	}
	return nil
}

// faultQueue holds pending faults in memory; they are test aids, not state.
type faultQueue struct {
	mu   sync.Mutex
	list []*fault
}

func (q *faultQueue) add(f fault) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, &f)
}

func (q *faultQueue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = nil
}

// take consumes one use of the first fault of its kind (dropKey or an
// error) matching path.
func (q *faultQueue) take(path string, dropKey bool) (fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.list {
		if f.DropKey != dropKey || !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		f.Count--
		if f.Count == 0 {
			q.list = append(q.list[:i], q.list[i+1:]...)
		}
		return *f, true
	}
	return fault{}, false
}

// injectFaults answers with a pending fault instead of the real handler.
// The control API is exempt so that faults can always be cleared.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefixControl+"/") {
			next.ServeHTTP(w, r)
			return
		}
		f, ok := s.faults.take(r.URL.Path, false)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if f.CloseConnection {
			s.logf("sim: %s %s: injected fault: connection dropped", r.Method, r.URL.Path)
			// Closes an HTTP/1 connection or resets an HTTP/2 stream,
			// without the server logging a panic.
			panic(http.ErrAbortHandler)
		}
		if f.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		}
		http.Error(w, fmt.Sprintf("sim: injected fault (HTTP %d)", f.Status), f.Status)
	})
}
