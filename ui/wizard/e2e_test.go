package wizard

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEndToEndInTmux runs the real binary in a private tmux server: open
// Keys, generate a key, see it listed, quit with Ctrl+C, and check that the
// shell got its terminal back (same stty settings, main screen, cursor
// shown). It uses the OS keychain under make test and the passphrase file
// store otherwise, so it runs wherever tmux is installed.
func TestEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (Debian/Ubuntu: apt-get install tmux)")
	}
	bin := buildBinary(t)
	h := newE2EHome(t)
	keyName := "e2e-" + strings.ToLower(rand.Text()[:8])

	script := `before=$(stty -g); ` + shellQuote(bin) + h.args + `; code=$?; ` +
		`[ "$(stty -g)" = "$before" ] && echo TTY=restored; echo EXIT=$code; sleep 600`
	tm := newTmux(t, h.env, script)

	tm.waitFor("Your journey")
	tm.send("Enter")
	tm.waitFor("No keys yet")
	tm.send("g")
	tm.waitFor("┃ Key name")
	tm.send("C-u")
	tm.sendText(keyName)
	tm.send("Enter")
	tm.waitFor("┃ Key size")
	tm.send("Enter")
	s := tm.waitFor("Generated key " + keyName)
	if !strings.Contains(s, "> "+keyName) || !strings.Contains(s, "1 key in the keystore") {
		t.Errorf("the new key is not listed:\n%s", s)
	}
	tm.send("C-c")
	s = tm.waitFor("EXIT=")
	if !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "TTY=restored") {
		t.Errorf("after Ctrl+C the program did not exit cleanly and restore the terminal:\n%s", s)
	}
	if strings.Contains(s, "Your journey") || strings.Contains(s, keyName) {
		t.Errorf("the wizard's screen is left on the terminal:\n%s", s)
	}
	if got := tm.format("#{alternate_on} #{cursor_flag}"); got != "0 1" {
		t.Errorf("alternate screen and cursor = %q, want \"0 1\" (main screen, cursor shown)", got)
	}
}

// buildBinary builds cmd/tui the way `make build` does, once for the
// package's tests: each link costs seconds of CPU under a loaded machine.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			built.err = err
			return
		}
		if built.dir, built.err = os.MkdirTemp("", "systembruker-e2e-"); built.err != nil {
			return
		}
		bin := filepath.Join(built.dir, "systembruker")
		cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/tui")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build ./cmd/tui: %v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// built is the binary buildBinary made; TestMain removes it.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// tmux drives one session on a private server: its own socket, no config.
type tmux struct {
	t    *testing.T
	sock string
}

func newTmux(t *testing.T, env []string, command string) *tmux {
	t.Helper()
	// Short socket path: unix socket names are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "sbwiz")
	if err != nil {
		t.Fatal(err)
	}
	tm := &tmux{t: t, sock: filepath.Join(dir, "s")}
	t.Cleanup(func() {
		exec.Command("tmux", "-S", tm.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	cmd := exec.Command("tmux", "-S", tm.sock, "-f", "/dev/null",
		"new-session", "-d", "-s", "wiz", "-x", "100", "-y", "30", "sh", "-c", command)
	cmd.Env = env // the new server, and so the session, gets exactly this
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	return tm
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tm *tmux) send(keys ...string) { tm.run(append([]string{"send-keys", "-t", "wiz"}, keys...)...) }
func (tm *tmux) sendText(s string)   { tm.run("send-keys", "-t", "wiz", "-l", s) }
func (tm *tmux) capture() string     { return tm.run("capture-pane", "-p", "-t", "wiz") }

func (tm *tmux) format(f string) string {
	return strings.TrimSpace(tm.run("display-message", "-p", "-t", "wiz", f))
}

// waitFor polls the pane; the deadline only guards against a hang.
func (tm *tmux) waitFor(want string) string {
	tm.t.Helper()
	var s string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s = tm.capture(); strings.Contains(s, want) {
			return s
		}
	}
	tm.t.Fatalf("pane never showed %q; last pane:\n%s", want, s)
	return ""
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
