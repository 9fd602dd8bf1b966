package flows

import (
	"context"
	"crypto/rand"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// Helpers for the onboarding tests: runtimes over the embedded sandbox (or a
// TLS simulator posing as the test environment) with the real keychain.

// home is one user's folders and keychain service; runtimes opened on it
// are successive runs of the program.
type home struct {
	t       *testing.T
	dirs    config.Dirs
	service string
	env     string
	getenv  func(string) string
	http    *http.Client
}

// newHome is a fresh home in the embedded sandbox. Its keys use a keychain
// service of their own and are deleted at the end.
func newHome(t *testing.T) *home {
	t.Helper()
	keychaintest.Require(t)
	base := t.TempDir()
	h := &home{
		t: t,
		dirs: config.Dirs{
			Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data"),
			State: filepath.Join(base, "state"), Cache: filepath.Join(base, "cache"),
		},
		service: "systembruker-test-" + rand.Text(),
		env:     config.Sandbox,
		getenv:  func(string) string { return "" },
	}
	t.Cleanup(func() {
		simtest.DeleteKeys(t, keystore.Options{Dir: filepath.Join(h.dirs.Data, "keys"), Service: h.service})
	})
	return h
}

// newTestEnvHome is a home whose "test" environment is a TLS simulator on
// loopback, so that the test/prod behaviour (patient proofs) runs for real.
func newTestEnvHome(t *testing.T) (*home, *sim.Instance) {
	t.Helper()
	h := newHome(t)
	inst := simtest.Start(t, sim.Config{})
	u := inst.URLs
	vars := map[string]string{
		config.EnvMaskinportenURL: u.Maskinporten, config.EnvSelfServiceURL: u.SelfService,
		config.EnvAltinnURL: u.Altinn, config.EnvAltinnUIURL: u.AltinnUI,
	}
	h.env, h.getenv, h.http = config.Test, func(k string) string { return vars[k] }, inst.Client()
	return h, inst
}

// open starts a run: a Runtime on the home.
func (h *home) open() *Runtime {
	h.t.Helper()
	rt, err := Open(Options{Dirs: h.dirs, Env: h.env, Getenv: h.getenv, HTTP: h.http})
	if err != nil {
		h.t.Fatal(err)
	}
	ks, err := keystore.Open(keystore.Options{Dir: rt.Keys.Dir(), Service: h.service})
	if err != nil {
		h.t.Fatal(err)
	}
	rt.Keys = ks
	h.t.Cleanup(func() { rt.Close() })
	return rt
}

// api opens the self-service API as the (bootstrapped) admin client.
func api(t *testing.T, rt *Runtime) *selfservice.API {
	t.Helper()
	a, err := rt.SelfService(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// demoScope is a seeded service-owner scope granted to the demo vendor.
const demoScope = "skatteetaten:mvameldingvalidering"

// withClient creates a client with key keyName (generated) for the profile.
func withClient(t *testing.T, rt *Runtime, keyName string) *ClientResult {
	t.Helper()
	if _, err := rt.GenerateKey(keyName, 2048); err != nil {
		t.Fatal(err)
	}
	res, err := rt.CreateClient(context.Background(), api(t, rt),
		ClientSpec{Name: "client " + rand.Text()[:6], Scopes: []string{demoScope}, KeyName: keyName}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mustToken fetches a fresh token with the profile as saved on disk, the
// way the next run of the program would.
func (h *home) mustToken() {
	h.t.Helper()
	rt := h.open()
	if _, err := rt.Token(context.Background(), TokenRequest{NoCache: true}); err != nil {
		h.t.Fatalf("token with the saved profile (client %s, key %s): %v", rt.Facts.ClientID, rt.Facts.KeyName, err)
	}
}

// control calls the embedded sandbox's control API.
func control(t *testing.T, rt *Runtime, method, path string, in, out any) {
	t.Helper()
	if err := rt.Connect(); err != nil {
		t.Fatal(err)
	}
	if err := rt.sandboxControl(context.Background(), method, path, in, out); err != nil {
		t.Fatal(err)
	}
}

// controlAt calls a standalone simulator's control API.
func controlAt(t *testing.T, inst *sim.Instance, method, path string, in, out any) {
	t.Helper()
	simtest.Control(t, inst, method, path, in, 0, out)
}

// lines collects Progress lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) { l.mu.Lock(); l.l = append(l.l, s); l.mu.Unlock() }

func (l *lines) joined() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.l, "\n")
}

// noSleep replaces the proof's wait for the test and counts the waits.
func noSleep(t *testing.T) *[]time.Duration {
	t.Helper()
	var waits []time.Duration
	old := proveSleep
	proveSleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	t.Cleanup(func() { proveSleep = old })
	return &waits
}
