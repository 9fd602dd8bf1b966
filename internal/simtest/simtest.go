// Package simtest helps tests that run against the simulator: it starts one
// over TLS on loopback, calls its control API, shares a settable clock
// between the simulator and the code under test, and removes the keys a
// test stored. (The simulator's own tests
// do not use it: sim stays independent of the rest of the module.)
package simtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// Start starts a simulator over TLS on a free loopback port; it is closed
// when the test ends.
func Start(t testing.TB, cfg sim.Config) *sim.Instance {
	t.Helper()
	srv, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := srv.Start("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst
}

// Control calls the simulator's control API (/sim): body, unless nil, is
// sent as JSON; the test fails unless the status is want (0 means any 2xx);
// the answer is decoded into out unless out is nil.
func Control(t testing.TB, inst *sim.Instance, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, inst.URLs.Control+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := inst.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if (want == 0 && resp.StatusCode/100 != 2) || (want != 0 && resp.StatusCode != want) {
		t.Fatalf("%s /sim%s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s /sim%s: %v in %s", method, path, err, data)
		}
	}
}

// Clock is a settable clock, safe for concurrent use, to share between the
// simulator (sim.Config.Now) and the code under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// DeleteKeys removes every key in the keystore that opts opens (its
// keychain items and files), so a test leaves nothing in the keychain.
func DeleteKeys(t testing.TB, opts keystore.Options) {
	t.Helper()
	ks, err := keystore.Open(opts)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	infos, err := ks.List()
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	for _, in := range infos {
		if err := ks.Delete(in.Name); err != nil {
			t.Errorf("cleanup of key %s: %v", in.Name, err)
		}
	}
}

// FastFileStore pre-creates the file key store's identity.age in keysDir
// (the store's X25519 identity under passphrase) with a low scrypt work
// factor. WHY: at age's default, every new store spends seconds and 256 MB
// in scrypt under the race detector. The format is the keystore's
// documented one, so the store opens it as it would its own.
func FastFileStore(t testing.TB, keysDir, passphrase string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, id.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keysDir, "identity.age"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
