package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sim serve runs the simulator until interrupted, writes the export lines,
// serves real Maskinporten metadata at the printed URL, and exits 0 when
// stopped.
func TestSimServe(t *testing.T) {
	home := t.TempDir()
	envFile := filepath.Join(home, "sim.env")
	var out, errOut bytes.Buffer
	env := map[string]string{"HOME": home}
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return env[k] },
		Now:    time.Now,
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Run(ctx, f, []string{"sim", "serve", "--addr", "127.0.0.1:0", "--env-file", envFile,
			"--state", filepath.Join(home, "state.json")})
	}()

	var lines []byte
	for deadline := time.Now().Add(10 * time.Second); len(lines) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no env file after 10 s; stderr: %s", errOut.String())
		}
		lines, _ = os.ReadFile(envFile)
	}
	vars := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		k, v, _ := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		vars[k] = v
	}
	mp := vars["SYSTEMBRUKER_MASKINPORTEN_URL"]
	if mp == "" || vars["SYSTEMBRUKER_SELFSERVICE_URL"] == "" || vars["SYSTEMBRUKER_ALTINN_URL"] == "" {
		t.Fatalf("env file lacks URLs:\n%s", lines)
	}
	resp, err := http.Get(mp + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if meta.Issuer != mp+"/" || meta.TokenEndpoint != mp+"/token" {
		t.Errorf("metadata issuer %q, token endpoint %q; want %q and %q", meta.Issuer, meta.TokenEndpoint, mp+"/", mp+"/token")
	}

	// A second simulator on the same state is refused, naming the first.
	_, stderr, code := runPlain(t, home, "sim", "serve", "--state", filepath.Join(home, "state.json"))
	if code != ExitError || !strings.Contains(stderr, "another simulator (pid ") || !strings.Contains(stderr, "state.json.owner") {
		t.Errorf("second sim serve: exit %d, stderr %q; want 1 and the first one named", code, stderr)
	}

	stop()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("exit %d after interrupt, want 0; stderr: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim serve did not stop")
	}
	if _, err := os.Stat(filepath.Join(home, "state.json")); err != nil {
		t.Errorf("state file: %v", err)
	}
}

func TestSimServeRefusesNonLoopback(t *testing.T) {
	// A name under .localhost is resolved through DNS like any other.
	for _, addr := range []string{"0.0.0.0:0", "evil.localhost:0", ":0"} {
		_, stderr, code := runPlain(t, t.TempDir(), "sim", "serve", "--addr", addr)
		if code != ExitUsage || !strings.Contains(stderr, "loopback") {
			t.Errorf("--addr %s: exit %d, stderr %q", addr, code, stderr)
		}
	}
}
