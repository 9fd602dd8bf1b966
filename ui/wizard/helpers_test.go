package wizard

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

// testNow is the runtime's clock in every test, so default key names, expiry
// warnings and goldens do not depend on the day the tests run.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// newRuntime opens a fresh profile in env ("" is sandbox) under a temporary
// folder. Its keystore uses a keychain service of its own, so tests never
// see each other's items (flows.Open always uses the default service).
func newRuntime(t *testing.T, env string) *flows.Runtime {
	t.Helper()
	base := t.TempDir()
	dirs := config.Dirs{
		Config: filepath.Join(base, "config"),
		Data:   filepath.Join(base, "data"),
		State:  filepath.Join(base, "state"),
		Cache:  filepath.Join(base, "cache"),
	}
	rt, err := flows.Open(flows.Options{
		Dirs:   dirs,
		Env:    env,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keystore.Open(keystore.Options{Dir: rt.Keys.Dir(), Service: "systembruker-test-" + rand.Text()})
	if err != nil {
		t.Fatal(err)
	}
	rt.Keys = ks
	t.Cleanup(func() {
		infos, _ := ks.List()
		for _, in := range infos {
			if err := ks.Delete(in.Name); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		rt.Close()
	})
	return rt
}

// probeMsg asks the running model for its screen as plain text.
type probeMsg chan string

// probe wraps the wizard so a test can read the current screen through the
// program's own loop instead of parsing the renderer's byte stream.
type probe struct{ Model }

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ch, ok := msg.(probeMsg); ok {
		ch <- screenText(p.Model)
		return p, nil
	}
	m, cmd := p.Model.Update(msg)
	return probe{m.(Model)}, cmd
}

func screenText(m Model) string { return ansi.Strip(m.View().Content) }

// driver runs the wizard in teatest at 80×24 without colour.
type driver struct {
	t      *testing.T
	tm     *teatest.TestModel
	copied chan string // what the wizard put on the system clipboard
}

func start(t *testing.T, rt *flows.Runtime) *driver {
	t.Helper()
	return startWith(t, rt, tea.WithColorProfile(colorprofile.Ascii))
}

func startWith(t *testing.T, rt *flows.Runtime, opts ...tea.ProgramOption) *driver {
	t.Helper()
	d := &driver{t: t, copied: make(chan string, 10)}
	m := New(Options{Runtime: rt})
	m.c.clip = func(s string) error { d.copied <- s; return nil }
	d.tm = teatest.NewTestModel(t, probe{m},
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(opts...))
	return d
}

func (d *driver) screen() string {
	ch := make(probeMsg, 1)
	d.tm.Send(ch)
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		d.t.Fatal("the program did not answer: has it quit?")
		return ""
	}
}

// waitFor polls the screen until it contains want. The deadline is generous
// because generating RSA keys under -race can take seconds; it is a guard
// against hanging, not a speed check.
func (d *driver) waitFor(want string) string {
	d.t.Helper()
	var s string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if s = d.screen(); strings.Contains(s, want) {
			return s
		}
	}
	d.t.Fatalf("screen never showed %q; last screen:\n%s", want, s)
	return ""
}

// focused waits until the form field titled title has focus: huh moves
// between fields through messages, so keys typed before the move lands would
// go to the previous field.
func (d *driver) focused(title string) string {
	d.t.Helper()
	return d.waitFor("┃ " + title)
}

func (d *driver) press(keys ...tea.KeyPressMsg) {
	for _, k := range keys {
		d.tm.Send(k)
	}
}

func (d *driver) typ(s string) { d.tm.Type(s) }

// clear empties the focused text field (its default value).
func (d *driver) clear() { d.press(ctrl('u')) }

// quit presses Ctrl+C and returns the final screen.
func (d *driver) quit() string {
	d.t.Helper()
	d.press(ctrl('c'))
	fm := d.tm.FinalModel(d.t, teatest.WithFinalTimeout(10*time.Second))
	return screenText(fm.(probe).Model)
}

var (
	enter    = tea.KeyPressMsg{Code: tea.KeyEnter}
	esc      = tea.KeyPressMsg{Code: tea.KeyEscape}
	down     = tea.KeyPressMsg{Code: tea.KeyDown}
	shiftTab = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
)

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }
func char(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// golden compares a screen with testdata/<test name>.golden after masking
// what changes between runs; -update (the golden package's flag) rewrites it.
func golden(t *testing.T, screen string, mask map[string]string) {
	t.Helper()
	for old, repl := range mask {
		screen = strings.ReplaceAll(screen, old, repl)
	}
	// Trailing blanks are layout padding; a masked value of another length
	// would change them.
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d cells wide, more than the 80 the wizard must fit in: %q", i+1, w, l)
		}
	}
	if len(lines) > 24 {
		t.Errorf("the screen has %d lines, more than the terminal's 24", len(lines))
	}
	teatest.RequireEqualOutput(t, []byte(strings.Join(lines, "\n")))
}

// writeKeyPEM writes a fresh RSA key as PKCS#8 PEM, with a certificate that
// ends at notAfter when notAfter is not zero.
func writeKeyPEM(t *testing.T, notAfter time.Time) string {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if !notAfter.IsZero() {
		cert := selfSigned(t, priv, notAfter)
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	}
	return writeFile(t, "key.pem", buf.Bytes())
}

// selfSigned makes a virksomhetssertifikat look-alike: the org number in
// the subject's serialNumber, as Norwegian CAs put it.
func selfSigned(t *testing.T, priv *rsa.PrivateKey, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "TEST LEVERANDØR AS", SerialNumber: "314240979", Country: []string{"NO"}},
		NotBefore:    notAfter.AddDate(-1, 0, 0),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
