package cli

// The CLI test harness, shared by every command's tests.
//
//	h := newHarness(t)                     // TLS simulator, temp HOME/XDG_*, own keychain service
//	h.generateKey("main")                  // a key in the harness's keystore (real keychain)
//	id := h.addClient(scopes, h.publicJWK("main"))  // a client at the simulator (control API)
//	h.setProfile(func(p *config.EnvProfile) { p.ClientID, p.KeyName = id, "main" })
//	stdout, stderr, code := h.run("token", "--scope", "x")
//
// run calls Run as main does, with non-TTY buffers for the streams and a
// Getenv that points SYSTEMBRUKER_*_URL at the simulator and
// SYSTEMBRUKER_CA_FILE at its CA certificate, so commands use the real
// default HTTP client with the extra CA, and never start the embedded
// sandbox. Each run is a fresh Factory and Runtime, like a new process.
// h.env may be changed before a run (e.g. SYSTEMBRUKER_PASSPHRASE for
// --keystore file); runOpts gives stdin and an HTTP client to record with.
//
// Two things differ from production, both because a test must not share
// state with other tests or with the user:
//   - the keystore uses a keychain service unique to the harness (Factory has
//     no option for it, so run swaps the Runtime's Store after the global
//     flags are parsed and before the command runs);
//   - the clock (Factory.Now and the simulator's Config.Now) is a manual
//     clock shared by both sides, starting at harnessStart, so goldens are
//     stable and tests can age tokens with h.advance.
//
// Tests that store keys must call keychaintest.Require first.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// harnessStart is the harness clock's starting time.
var harnessStart = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

type harness struct {
	t       *testing.T
	inst    *sim.Instance
	dirs    config.Dirs
	env     map[string]string
	service string // keychain service of the harness's keystore

	mu     sync.Mutex
	now    time.Time
	simLog []string
}

// newHarness starts a TLS simulator on loopback and a private home folder.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, now: harnessStart, service: "systembruker-test-" + rand.Text()}
	h.inst = simtest.Start(t, sim.Config{Now: h.clock, Logf: h.logf})

	home := t.TempDir()
	caFile := filepath.Join(home, "sim-ca.pem")
	if err := os.WriteFile(caFile, h.inst.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	u := h.inst.URLs
	h.env = map[string]string{
		"HOME":                    home,
		"XDG_CONFIG_HOME":         filepath.Join(home, "config"),
		"XDG_DATA_HOME":           filepath.Join(home, "data"),
		"XDG_STATE_HOME":          filepath.Join(home, "state"),
		"XDG_CACHE_HOME":          filepath.Join(home, "cache"),
		config.EnvMaskinportenURL: u.Maskinporten,
		config.EnvSelfServiceURL:  u.SelfService,
		config.EnvAltinnURL:       u.Altinn,
		config.EnvAltinnUIURL:     u.AltinnUI,
		flows.EnvCAFile:           caFile,
		"NO_COLOR":                "1",
	}
	var err error
	if h.dirs, err = config.DefaultDirs(h.getenv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		simtest.DeleteKeys(t, keystore.Options{Dir: filepath.Join(h.dirs.Data, "keys"), Service: h.service})
	})
	return h
}

func (h *harness) getenv(k string) string { return h.env[k] }

// clock is the time of both the CLI and the simulator.
func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// advance moves the shared clock.
func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

func (h *harness) logf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.simLog = append(h.simLog, fmt.Sprintf(format, args...))
}

// simCount counts the simulator's log lines containing s. Every request is
// logged as "sim: METHOD /path STATUS (duration)", so
// simCount("POST /maskinporten/token ") is the number of token requests.
func (h *harness) simCount(s string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, l := range h.simLog {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// runOpts vary a run.
type runOpts struct {
	stdin string
	http  *http.Client // Factory.HTTP: replaces the default client
}

// run executes the command line and returns what it printed and its exit
// code.
func (h *harness) run(args ...string) (stdout, stderr string, code int) {
	return h.runWith(runOpts{}, args...)
}

func (h *harness) runWith(o runOpts, args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(o.stdin), Out: &out, ErrOut: &errOut},
		Getenv: h.getenv,
		Now:    h.clock,
		HTTP:   o.http,
	}
	defer f.Close()
	h.useHarnessKeystore(f, args)
	code = Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

// useHarnessKeystore opens f's Runtime the way the command will (same
// global flags, same Factory.Runtime) and swaps in the harness's keychain
// service. When the flags do not parse, Run reports that itself.
func (h *harness) useHarnessKeystore(f *Factory, args []string) {
	h.t.Helper()
	cmd, rest, err := NewRootCmd(f).Find(args)
	if err != nil || cmd.ParseFlags(rest) != nil || f.checkGlobals() != nil {
		return
	}
	h.openRuntime(f)
}

// openRuntime is Factory.Runtime with the harness's keychain service.
func (h *harness) openRuntime(f *Factory) (*flows.Runtime, error) {
	h.t.Helper()
	rt, err := f.Runtime()
	if err != nil {
		return nil, err
	}
	ks, err := keystore.Open(keystore.Options{
		Dir: rt.Keys.Dir(), Backend: rt.Keys.Backend(), Service: h.service, Passphrase: f.passphrase,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	rt.Keys = ks
	return rt, nil
}

// runtime opens the default profile as a command would, for seeding.
func (h *harness) runtime() *flows.Runtime {
	h.t.Helper()
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, Getenv: h.getenv, Now: h.clock}
	rt, err := h.openRuntime(f)
	if err != nil {
		h.t.Fatal(err)
	}
	return rt
}

// generateKey makes a 2048-bit key in the harness's keystore.
func (h *harness) generateKey(name string) keystore.Info {
	h.t.Helper()
	info, err := h.runtime().GenerateKey(name, 2048)
	if err != nil {
		h.t.Fatal(err)
	}
	return info
}

// importPEM stores a PEM private key (with any certificates) under name.
func (h *harness) importPEM(name string, pemData []byte) keystore.Info {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), name+".pem")
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		h.t.Fatal(err)
	}
	info, err := h.runtime().ImportKey(name, flows.FormatPEM, path, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return info
}

// publicJWK is a key's public JWK as a JSON object, ready to register.
func (h *harness) publicJWK(name string) map[string]any {
	h.t.Helper()
	k, err := h.runtime().Keys.PublicJWK(name)
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		h.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

// addClient registers a Maskinporten client of the simulator's demo vendor
// with scopes and public JWKs, and returns its client id.
func (h *harness) addClient(scopes []string, jwks ...map[string]any) string {
	h.t.Helper()
	body := map[string]any{
		"org_no": sim.DemoVendorOrgNo, "client_name": "test client " + rand.Text()[:6], "scopes": scopes,
	}
	if len(jwks) > 0 {
		body["keys"] = map[string]any{"keys": jwks}
	}
	var c struct {
		ClientID string `json:"client_id"`
	}
	h.control("POST", "/clients", body, &c)
	return c.ClientID
}

// control calls the simulator's control API (/sim) and decodes the answer
// into out (unless nil). Any status but 2xx fails the test.
func (h *harness) control(method, path string, body, out any) {
	h.t.Helper()
	simtest.Control(h.t, h.inst, method, path, body, 0, out)
}

// setProfile edits the default profile's sandbox section and saves it.
func (h *harness) setProfile(edit func(*config.EnvProfile)) {
	h.t.Helper()
	cfg, err := config.Load(h.dirs.Config)
	if err != nil {
		h.t.Fatal(err)
	}
	p, _, err := cfg.Profile("")
	if err != nil {
		h.t.Fatal(err)
	}
	edit(p.For(config.Sandbox))
	if err := cfg.Save(); err != nil {
		h.t.Fatal(err)
	}
}

// The -update flag rewrites goldens. x/exp/golden (through teatest) defines
// it too, so it is only defined here when no package in the binary has.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/")
	}
}

// golden compares got with testdata/<name>, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// mask replaces each old value with its placeholder, longest first so that
// a value inside another is not cut.
func mask(s string, pairs ...string) string {
	type pair struct{ old, new string }
	var ps []pair
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != "" {
			ps = append(ps, pair{pairs[i], pairs[i+1]})
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.old) - len(a.old) })
	for _, p := range ps {
		s = strings.ReplaceAll(s, p.old, p.new)
	}
	return s
}
