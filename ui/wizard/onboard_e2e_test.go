package wizard

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/keystore"
)

// TestOnboardEndToEndInTmux runs the real binary in tmux from a clean home
// through both onboarding paths in the sandbox, each ending with a token
// in the Token check: the API path against the embedded sandbox, the portal
// path against `systembruker sim serve` (the same state file), where the
// test makes the client by hand through the simulator's control API with
// the JWKS file the wizard wrote, as a vendor would in Digdir's portal.
func TestOnboardEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (Debian/Ubuntu: apt-get install tmux)")
	}
	bin := buildBinary(t)

	t.Run("api", func(t *testing.T) {
		h := newE2EHome(t)
		tm := newTmux(t, h.env, h.script(bin))
		tm.waitFor("Your journey")
		tm.send("Down", "Enter")
		tm.waitFor("┃ Organisation number") // the sandbox's vendor, filled in
		tm.next("Organisation name")
		tm.next("How will the Maskinporten client be created?")
		tm.next("Client name") // API: the sandbox's admin client
		tm.next("Description")
		tm.next("Service-owner scopes")
		tm.sendText(demoScope)
		tm.next("Also manage client delegations")
		tm.next("Key")
		tm.send("Enter")
		tm.waitFor("Create this Maskinporten client in sandbox?")
		tm.send("Enter")
		tm.waitFor("Proven:")
		h.checkProfile(t)
		h.tokenCheck(tm)
	})

	t.Run("portal", func(t *testing.T) {
		h := newE2EHome(t)
		urls, control := h.simServe(t, bin)
		tm := newTmux(t, append(h.env, urls...), h.script(bin))
		tm.waitFor("Your journey")
		tm.send("Down", "Enter")
		tm.waitFor("┃ Organisation number")
		tm.sendText("310000000")
		tm.next("Organisation name")
		tm.sendText("Demo Regnskap AS")
		tm.next("How will the Maskinporten client be created?")
		tm.next("Client name") // the portal: no admin client here
		tm.next("Description")
		tm.next("Service-owner scopes")
		tm.sendText(demoScope)
		tm.next("Also manage client delegations")
		tm.next("Key")
		tm.send("Enter")
		tm.waitFor("This sandbox is a standalone simulator")

		file := filepath.Join(h.home, "k.jwks.json")
		tm.send("w")
		tm.waitFor("┃ Write the key (JWKS) to")
		tm.send("C-u")
		tm.sendText(file)
		tm.send("Enter")
		tm.waitFor("Wrote " + file)
		jwks, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		id := portalClient(t, http.DefaultClient, control, jwks)

		tm.send("Enter")
		tm.waitFor("┃ Client id (Klient-ID)")
		tm.sendText("https://sjolvbetjening.samarbeid.digdir.no/")
		tm.send("Enter")
		tm.waitFor("that looks like a URL, not a client id")
		tm.send("C-u")
		tm.sendText(id)
		tm.send("Enter")
		tm.waitFor("Proven:")
		if got := h.checkProfile(t); got != id {
			t.Errorf("the profile records client %s, want %s", got, id)
		}
		h.tokenCheck(tm)
	})
}

// e2eHome is a clean home for the real binary: its folders, its keystore
// (the OS keychain under make test, else the passphrase file store) and
// the environment to run it in.
type e2eHome struct {
	home    string
	env     []string
	args    string
	backend keystore.Backend
}

func newE2EHome(t *testing.T) *e2eHome {
	t.Helper()
	home := t.TempDir()
	h := &e2eHome{home: home, backend: keystore.Keychain}
	service := "systembruker-test-" + rand.Text()
	h.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"LANG=C.UTF-8",
		"SYSTEMBRUKER_KEYCHAIN_SERVICE=" + service,
	}
	if keychaintest.Available() {
		h.env = append(h.env, "DBUS_SESSION_BUS_ADDRESS="+os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	} else {
		h.args, h.backend = " --keystore file", keystore.File
		h.env = append(h.env, "SYSTEMBRUKER_PASSPHRASE=e2e-passphrase")
	}
	t.Cleanup(func() {
		simtest.DeleteKeys(t, keystore.Options{
			Dir: filepath.Join(home, "data", "systembruker", "keys"), Backend: h.backend, Service: service,
			Passphrase: func() ([]byte, error) { return []byte("e2e-passphrase"), nil },
		})
	})
	return h
}

// script runs the wizard and reports how it ended, as the other tmux test.
func (h *e2eHome) script(bin string) string {
	return shellQuote(bin) + h.args + `; echo EXIT=$?; sleep 600`
}

// simServe starts `systembruker sim serve` on the home's sandbox state and
// returns the variables that point the wizard at it, and its control API.
func (h *e2eHome) simServe(t *testing.T, bin string) (vars []string, control string) {
	t.Helper()
	envFile := filepath.Join(h.home, "sim.env")
	stderr := &lockedBuffer{}
	cmd := exec.Command(bin, "sim", "serve", "--addr", "127.0.0.1:0", "--env-file", envFile)
	cmd.Env, cmd.Stderr = h.env, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	controlRE := regexp.MustCompile(`Control API: (\S+?)\.?\s`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, err := os.ReadFile(envFile)
		m := controlRE.FindStringSubmatch(stderr.String())
		if err != nil || m == nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
				vars = append(vars, kv)
			}
		}
		return vars, m[1]
	}
	t.Fatalf("sim serve did not start; it said:\n%s", stderr.String())
	return nil, ""
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkProfile reads the profile file as the next run would and returns
// the client id it records.
func (h *e2eHome) checkProfile(t *testing.T) string {
	t.Helper()
	cfg, err := config.Load(filepath.Join(h.home, "config", "systembruker"))
	if err != nil {
		t.Fatal(err)
	}
	prof, _, err := cfg.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	f := prof.For(config.Sandbox)
	if f.ClientID == "" || f.KeyName == "" || f.KID == "" || f.KeyExpires == nil || len(f.Scopes) == 0 || f.OrgNo != "310000000" {
		t.Errorf("the profile on disk records %+v", f)
	}
	return f.ClientID
}

// tokenCheck opens the Token check from the onboarding result, fetches a
// token, and quits.
func (h *e2eHome) tokenCheck(tm *tmux) {
	tm.send("t")
	tm.waitFor("┃ Scopes")
	tm.next("Customer organisation (optional)")
	tm.next("Exchange it for an Altinn token?")
	tm.send("Enter")
	s := tm.waitFor("✓ Maskinporten token expires in")
	if !strings.Contains(s, "Maskinporten access token for client") {
		tm.t.Errorf("the token is not explained:\n%s", s)
	}
	tm.send("C-c")
	if s := tm.waitFor("EXIT="); !strings.Contains(s, "EXIT=0") {
		tm.t.Errorf("the wizard did not exit cleanly:\n%s", s)
	}
}

// next presses Enter and waits for the field titled title to have focus.
func (tm *tmux) next(title string) string {
	tm.t.Helper()
	tm.send("Enter")
	return tm.waitFor("┃ " + title)
}
