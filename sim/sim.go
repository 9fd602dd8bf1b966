package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Server. The zero value is a usable in-memory simulator.
type Config struct {
	// StatePath is the JSON state file; "" keeps the state in memory only.
	// An existing file is loaded; a missing one is seeded and written.
	StatePath string
	// Issuer is Maskinporten's issuer identifier: the iss of issued tokens
	// and the only accepted grant audience. "" means the Maskinporten base
	// URL plus "/" (like https://test.maskinporten.no/).
	Issuer string
	// Latency is waited before every response, to make round trips feel
	// like the internet's.
	Latency time.Duration
	// Now is the clock; nil means time.Now. Tests move it to expire keys.
	Now func() time.Time
	// Logf receives one line per request and error. nil is silent. The
	// simulator never passes it secrets, tokens or assertions.
	Logf func(format string, args ...any)

	// Exclusive makes Start refuse to serve StatePath while another
	// exclusive simulator serves it (`sim serve`; the embedded sandbox, of
	// which several commands may run at once, shares the state instead).
	Exclusive bool
	// AltinnIssuer is the iss of tokens from Altinn's token exchange. ""
	// means the Altinn base URL plus /authentication/api/v1/openid/, as on
	// the real platform. The embedded sandbox fixes both issuers so that its
	// tokens name the same issuers whatever port a run listens on.
	AltinnIssuer string

	// AcceptAudWithoutSlash accepts the issuer without its trailing slash as
	// grant audience. Digdir's docs demand the exact issuer, but Altinn's
	// examples use the slash-less form and nobody has confirmed which the
	// real service accepts, so the strict answer is the default.
	AcceptAudWithoutSlash bool
	// MaxGrantLifetime is the longest exp-iat a grant may have; 0 means the
	// documented 120 s. The real service reportedly allows 180 s
	// (felleslosninger/docs#455); clients that stay within 120 s are safe
	// with both.
	MaxGrantLifetime time.Duration
	// ReadTimeout bounds how long a client may take to send a whole
	// request, headers and body; 0 means 30 s. A connection that trickles
	// a request in is closed rather than held open.
	ReadTimeout time.Duration
}

// URLs are the simulated services' base URLs. Path prefixes on one listener
// stand in for the separate hosts of the real services.
type URLs struct {
	Base         string `json:"base"`          // scheme://host:port
	Maskinporten string `json:"maskinporten"`  // token endpoint at +"/token"
	Issuer       string `json:"issuer"`        // with trailing slash
	AltinnIssuer string `json:"altinn_issuer"` // iss of exchanged tokens, with trailing slash
	SelfService  string `json:"selfservice"`   // Digdir self-service API, incl. /api/v1
	Altinn       string `json:"altinn"`        // Altinn platform (platform.tt02.altinn.no)
	AltinnUI     string `json:"altinn_ui"`     // Altinn approval UI (am.ui.tt02.altinn.no)
	Control      string `json:"control"`       // the simulator's control API
}

// Path prefixes of the simulated hosts.
const (
	prefixMaskinporten = "/maskinporten"
	prefixSelfService  = "/selfservice/api/v1"
	prefixAltinn       = "/altinn"
	prefixAltinnUI     = "/altinn-ui"
	prefixControl      = "/sim"
)

// Server is a simulator: one state, signing keys and replay memory, served
// by any number of handlers (see Handler).
type Server struct {
	cfg       Config
	store     *store
	mpKey     *signingKey // signs Maskinporten access tokens
	altinnKey *signingKey // signs tokens from Altinn's token exchange
	jtis      *jtiCache
	faults    *faultQueue
}

// New creates a simulator, loading or seeding its state.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = defaultReadTimeout
	}
	if cfg.MaxGrantLifetime == 0 {
		cfg.MaxGrantLifetime = defaultMaxGrantLifetime
	}
	if cfg.Issuer != "" && !strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("sim: issuer %q must end with a slash, like Maskinporten's", cfg.Issuer)
	}
	if cfg.AltinnIssuer != "" && !strings.HasSuffix(cfg.AltinnIssuer, "/") {
		return nil, fmt.Errorf("sim: Altinn issuer %q must end with a slash, like Altinn's", cfg.AltinnIssuer)
	}
	st, err := openStore(cfg.StatePath, cfg.Now())
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, jtis: newJTICache(), faults: &faultQueue{}}
	// With a state file the signing keys are kept beside it (keyfile.go),
	// so that tokens outlive the process that issued them; in memory they
	// are made afresh.
	if cfg.StatePath != "" {
		s.mpKey, s.altinnKey, err = loadSigningKeys(cfg.StatePath)
		return s, err
	}
	if s.mpKey, err = newSigningKey(); err != nil {
		return nil, err
	}
	if s.altinnKey, err = newSigningKey(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// URLs returns the service URLs for a handler reached at base.
func (s *Server) URLs(base string) URLs {
	base = strings.TrimSuffix(base, "/")
	u := URLs{
		Base:         base,
		Maskinporten: base + prefixMaskinporten,
		SelfService:  base + prefixSelfService,
		Altinn:       base + prefixAltinn,
		AltinnUI:     base + prefixAltinnUI,
		Control:      base + prefixControl,
		Issuer:       s.cfg.Issuer,
		AltinnIssuer: s.cfg.AltinnIssuer,
	}
	if u.Issuer == "" {
		u.Issuer = u.Maskinporten + "/"
	}
	if u.AltinnIssuer == "" {
		u.AltinnIssuer = u.Altinn + altinnOpenIDPath
	}
	return u
}

// Handler returns the simulator's HTTP handler. base is the URL the handler
// is reached at (scheme://host:port); it goes into issuers and URLs in
// response bodies.
func (s *Server) Handler(base string) http.Handler {
	h := &site{Server: s, urls: s.URLs(base)}
	mux := http.NewServeMux()
	// One mount per simulated service, each in its own file.
	h.mountMaskinporten(mux)   // maskinporten.go
	h.mountAltinnExchange(mux) // exchange.go
	h.mountSystemRegister(mux) // systemregister*.go
	h.mountSelfService(mux)    // selfservice.go
	h.mountControl(mux)        // control.go
	return s.logRequests(s.delay(s.guardControl(s.injectFaults(mux))))
}

// site is the simulator as reached at one base URL. Handlers are methods on
// it so that they know the URLs they are served at.
type site struct {
	*Server
	urls URLs
}

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// delay waits cfg.Latency before the handler runs.
func (s *Server) delay(next http.Handler) http.Handler {
	if s.cfg.Latency <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(s.cfg.Latency)
		defer t.Stop()
		select {
		case <-t.C:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// logRequests logs method, path and status. Never the query, headers or
// bodies: they may carry tokens and assertions.
func (s *Server) logRequests(next http.Handler) http.Handler {
	if s.cfg.Logf == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.logf("sim: %s %s %d (%v)", r.Method, r.URL.Path, rec.code, time.Since(start).Round(time.Millisecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
	once sync.Once
}

func (r *statusRecorder) WriteHeader(code int) {
	r.once.Do(func() { r.code = code })
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
