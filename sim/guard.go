package sim

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// The control API changes the simulator's state without authentication, so
// it must answer only programs on this machine, never a web page. A page
// can reach a loopback port two ways, and guardControl shuts both:
//
//   - DNS rebinding: the page's own name (evil.example) is made to resolve
//     to 127.0.0.1, so the browser calls /sim as same-origin. The Host
//     header still carries that name: only a loopback Host is accepted.
//   - Cross-site requests (CSRF): a form or fetch from another origin. The
//     browser names that origin in Origin and Sec-Fetch-Site: any origin but
//     the simulator's own is refused, for reads too, since no browser has
//     business with the control API (http.CrossOriginProtection would let
//     safe methods through).
//
// Programs (the CLI, tests, curl) send a loopback Host and neither header.

// guardControl refuses control API requests with a foreign Host or Origin.
func (s *Server) guardControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != prefixControl && !strings.HasPrefix(r.URL.Path, prefixControl+"/") {
			next.ServeHTTP(w, r)
			return
		}
		if msg := foreignCaller(r); msg != "" {
			s.logf("sim: %s %s refused: %s", r.Method, r.URL.Path, msg)
			writeCtlError(w, &ctlError{http.StatusForbidden, msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// foreignCaller says why r may come from a web page, or "" if it does not.
func foreignCaller(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !isLoopbackHost(host) {
		return "the control API answers only requests to a loopback address (127.0.0.1, ::1, localhost), not to Host " + quoteCut(r.Host)
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return "the control API refuses cross-site requests from a browser (Sec-Fetch-Site " + quoteCut(site) + ")"
	}
	origin, sent := r.Header["Origin"]
	if !sent {
		return ""
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	if len(origin) != 1 || origin[0] != scheme+r.Host {
		return "the control API refuses requests from another origin (Origin " + quoteCut(strings.Join(origin, ", ")) + ")"
	}
	return ""
}

// isLoopbackHost is config.IsLoopback's rule (sim imports nothing of the
// module): a literal loopback address or the name localhost. Other names,
// evil.localhost included, resolve through DNS to wherever their owner
// likes.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// quoteCut quotes a header value for an error message and the log, cut
// short and in ASCII, so that it can carry no terminal control sequence.
func quoteCut(v string) string {
	const max = 80
	if len(v) > max {
		return strconv.QuoteToASCII(v[:max]) + "…"
	}
	return strconv.QuoteToASCII(v)
}
