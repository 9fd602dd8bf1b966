// Package flows orchestrates each step of the vendor journey without any UI:
// the commands and the wizard both call it. Every step is idempotent and can
// be re-run after an interruption; what a step learns is written to the
// profile atomically as soon as it is known.
package flows

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// EnvCAFile names a PEM file of extra root certificates to trust, e.g. the CA
// printed by `systembruker sim serve --tls` or a corporate proxy's.
const EnvCAFile = "SYSTEMBRUKER_CA_FILE"

// Options open a Runtime.
type Options struct {
	Dirs     config.Dirs
	Env      string // explicit --env; "" means the profile's, else sandbox
	Profile  string // explicit --profile; "" means the active one
	Keystore keystore.Backend
	// KeychainService names the keychain entries' service; "" means
	// "systembruker". Separate services keep separate key sets apart.
	KeychainService string
	Passphrase      func() ([]byte, error)
	Getenv          func(string) string
	HTTP            *http.Client // nil: a default client (and the sandbox's own when embedded)
	Now             func() time.Time
}

// Runtime is an opened profile in one environment with what it needs to act:
// keys, an HTTP client and, in the sandbox, the embedded simulator.
type Runtime struct {
	Dirs        config.Dirs
	Config      *config.File
	ProfileName string
	Profile     *config.Profile
	Env         config.Environment
	// Facts is the profile's section for Env; changes are kept by SaveProfile.
	Facts *config.EnvProfile
	Keys  *keystore.Store
	Now   func() time.Time

	http    *http.Client
	pre     *preDialer // dials ahead for http, when it is ours
	sandbox *sim.Instance
	getenv  func(string) string
}

// Open loads the profile and resolves the environment. It touches neither
// the network nor the keychain: both are opened on first use.
func Open(o Options) (*Runtime, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg, err := config.Load(o.Dirs.Config)
	if err != nil {
		return nil, err
	}
	prof, name, err := cfg.Profile(o.Profile)
	if err != nil {
		return nil, err
	}
	envName := prof.EnvName(o.Env)
	facts := prof.For(envName)
	env, err := config.Resolve(envName, facts.URLs, o.Getenv)
	if err != nil {
		return nil, err
	}
	keys, err := keystore.Open(keystore.Options{
		Dir:        filepath.Join(o.Dirs.Data, "keys"),
		Backend:    o.Keystore,
		Service:    o.KeychainService,
		Passphrase: o.Passphrase,
	})
	if err != nil {
		return nil, err
	}
	return &Runtime{
		Dirs: o.Dirs, Config: cfg, ProfileName: name, Profile: prof,
		Env: env, Facts: facts, Keys: keys, Now: o.Now,
		http: o.HTTP, getenv: o.Getenv,
	}, nil
}

// SaveProfile writes this command's changes to the profile file, under its
// lock and onto a fresh read, so that commands running at the same time
// lose nothing (see config.File.Save). A key the save newly names must
// still be in the keystore: another command may have deleted it since this
// one looked (a rotation deletes its old key under the same lock).
func (r *Runtime) SaveProfile() error {
	return r.Config.SaveChecked(func(current, merged *config.File) error {
		was := section(current, r.ProfileName, r.Env.Name)
		now := section(merged, r.ProfileName, r.Env.Name)
		for _, k := range [][2]string{{now.KeyName, was.KeyName}, {now.AdminKey, was.AdminKey}} {
			if k[0] == "" || k[0] == k[1] {
				continue
			}
			if _, err := r.Keys.Info(k[0]); err != nil {
				return fmt.Errorf("the profile was not saved: %w", err)
			}
		}
		return nil
	})
}

// section is a profile's section for an environment, or an empty one.
func section(f *config.File, profile, env string) config.EnvProfile {
	if p := f.Profiles[profile]; p != nil && p.Envs[env] != nil {
		return *p.Envs[env]
	}
	return config.EnvProfile{}
}

// Connect makes the environment's URLs reachable: in the sandbox it starts
// the embedded simulator (state in the data folder) and fills in the URLs it
// serves. It is cheap to call again. It writes r.Env, so call it before
// handing the Runtime to other goroutines (the wizard calls it on its UI
// goroutine before any background job).
func (r *Runtime) Connect() error {
	if r.Env.Embedded && r.sandbox == nil {
		if err := r.startSandbox(); err != nil {
			return err
		}
	}
	if r.http == nil {
		c, pre, err := defaultHTTPClient(r.getenv(EnvCAFile))
		if err != nil {
			return err
		}
		r.http, r.pre = c, pre
	}
	return nil
}

// prewarm starts opening a connection to the server of rawURL, for a
// request that will follow once slower local work (a keychain read) is
// done. It does nothing for injected clients, the sandbox's, or when a
// proxy is in the way.
func (r *Runtime) prewarm(rawURL string) {
	if r.pre == nil {
		return
	}
	tr, ok := r.http.Transport.(*http.Transport)
	if !ok {
		return
	}
	req, err := http.NewRequest(http.MethodPost, rawURL, nil)
	if err != nil {
		return
	}
	if tr.Proxy != nil {
		if proxy, err := tr.Proxy(req); err != nil || proxy != nil {
			return
		}
	}
	if addr, ok := hostPort(rawURL); ok {
		r.pre.start("tcp", addr)
	}
}

// HTTP is the client for the environment's services. Call Connect first.
func (r *Runtime) HTTP() *http.Client { return r.http }

// Close stops the embedded simulator, if any.
func (r *Runtime) Close() error {
	if r.sandbox == nil {
		return nil
	}
	err := r.sandbox.Close()
	r.sandbox = nil
	return err
}

// sandboxAltinnIssuer is the iss of the embedded sandbox's Altinn tokens.
// Like config.SandboxIssuer it is fixed rather than derived from the port,
// which changes every run, so that a token stays the sandbox's own.
const sandboxAltinnIssuer = "https://sandbox.platform.altinn.localhost" + altinnOpenIDPath

// startSandbox serves the sandbox's state. The simulator keeps its signing
// keys beside the state (not in the keychain: they are the simulator's, not
// the user's), so a token from one command verifies in the next and may be
// cached, and no command pays for generating keys.
func (r *Runtime) startSandbox() error {
	srv, err := sim.New(sim.Config{
		StatePath:    filepath.Join(r.Dirs.Data, "sandbox", "state.json"),
		Issuer:       r.Env.Issuer,
		AltinnIssuer: sandboxAltinnIssuer,
	})
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	inst, err := srv.Start("127.0.0.1:0", true)
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	r.sandbox = inst
	u := inst.URLs
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&r.Env.MaskinportenURL, u.Maskinporten)
	fill(&r.Env.SelfServiceURL, u.SelfService)
	fill(&r.Env.AltinnURL, u.Altinn)
	fill(&r.Env.AltinnUIURL, u.AltinnUI)
	if r.http == nil {
		r.http = inst.Client()
	}
	return nil
}

// stableURL names the service at u in what must outlive this process (the
// token cache's keys): u itself, except for a URL the embedded sandbox
// serves, whose port changes every run while its state and keys stay. u is
// "" for such a URL before Connect.
func (r *Runtime) stableURL(u string) string {
	if r.Env.Embedded && (u == "" || r.sandbox != nil && strings.HasPrefix(u, r.sandbox.URLs.Base+"/")) {
		return "embedded sandbox"
	}
	return u
}

// SandboxControlURL is the embedded simulator's control API, or "" outside
// the embedded sandbox. The sandbox bootstrap (admin key) uses it.
func (r *Runtime) SandboxControlURL() string {
	if r.sandbox == nil {
		return ""
	}
	return r.sandbox.URLs.Control
}

func defaultHTTPClient(caFile string) (*http.Client, *preDialer, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// The same dial settings as http.DefaultTransport's.
	pre := &preDialer{dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	tr.DialContext = pre.DialContext
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", EnvCAFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, errors.New(EnvCAFile + ": no PEM certificates in " + caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, pre, nil
}
