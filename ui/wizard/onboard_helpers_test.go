package wizard

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

// demoScope is a service-owner scope the simulator grants its demo vendor.
const demoScope = "skatteetaten:mvameldingvalidering"

// clock follows the real time, which the simulator checks grants against,
// until a test freezes it to move a token's countdown.
type clock struct {
	mu    sync.Mutex
	fixed *time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		return *c.fixed
	}
	return time.Now()
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = &t
}

// newLiveRuntime is newRuntime with a real clock, for tests that fetch
// tokens: the simulator refuses grants from testNow. o may name the
// environment and point it at a simulator of the test's own (Env, Getenv,
// HTTP); the zero Options is the embedded sandbox.
func newLiveRuntime(t *testing.T, o flows.Options) (*flows.Runtime, *clock) {
	t.Helper()
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	clk := &clock{}
	base := t.TempDir()
	o.Dirs = config.Dirs{
		Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data"),
		State: filepath.Join(base, "state"), Cache: filepath.Join(base, "cache"),
	}
	o.Now = clk.Now
	rt, err := flows.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keystore.Open(keystore.Options{Dir: rt.Keys.Dir(), Service: "systembruker-test-" + rand.Text()})
	if err != nil {
		t.Fatal(err)
	}
	rt.Keys = ks
	t.Cleanup(func() {
		rt.Close()
		infos, _ := ks.List()
		for _, in := range infos {
			if err := ks.Delete(in.Name); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return rt, clk
}

// withClient sets up a client with a key for the profile through flows,
// as the onboarding step would, for the tests that start after it.
func withClient(t *testing.T, rt *flows.Runtime) {
	t.Helper()
	ctx := context.Background()
	api, err := rt.SelfService(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.GenerateKey("signing", 2048); err != nil {
		t.Fatal(err)
	}
	_, err = rt.CreateClient(ctx, api, flows.ClientSpec{Name: "Token check " + rand.Text()[:6],
		Scopes: []string{demoScope}, KeyName: "signing"}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// simControl calls a simulator's control API (base is its /sim URL).
func simControl(t *testing.T, hc *http.Client, base, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// portalClient creates a client the way a vendor does in Digdir's portal:
// by hand, with the public key the wizard gave (here its JWKS file).
func portalClient(t *testing.T, hc *http.Client, control string, jwks []byte) string {
	t.Helper()
	var keys json.RawMessage = jwks
	var created struct {
		ClientID string `json:"client_id"`
	}
	simControl(t, hc, control, http.MethodPost, "/clients", map[string]any{
		"org_no": "310000000", "client_name": "Made in the portal", "description": "by hand",
		"scopes": flows.ProposedScopes(false, []string{demoScope}), "keys": keys,
	}, &created)
	if created.ClientID == "" {
		t.Fatal("the simulator returned no client id")
	}
	return created.ClientID
}
