package wizard

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/keystore"
)

// defaultName is flows.DefaultKeyName for the default profile in the
// sandbox on testNow.
const defaultName = "default-sandbox-20260302"

func TestHome(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	d.waitFor("Your journey")
	golden(t, d.quit(), nil)
}

func TestHomeProd(t *testing.T) {
	d := start(t, newRuntime(t, "prod"))
	s := d.waitFor("Your journey")
	// Without colour the label must still say prod, loudly.
	for _, want := range []string{"PROD", "PRODUCTION: changes here reach real customers"} {
		if !strings.Contains(s, want) {
			t.Errorf("prod home screen lacks %q:\n%s", want, s)
		}
	}
	golden(t, d.quit(), nil)
}

func TestHomeStepNotBuilt(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	d.waitFor("Your journey")
	d.press(down, down, enter)
	d.waitFor("System register is not built into the wizard yet.")
	if s := d.screen(); !strings.Contains(s, "systembruker › home ") {
		t.Errorf("a step that is not built must not open a screen:\n%s", s)
	}
	d.quit()
}

func TestHelpToggles(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	d.waitFor("? help")
	d.press(char('?'))
	d.waitFor("fewer keys")
	d.press(char('?'))
	d.waitFor("? help")
	d.quit()
}

func TestQuitWithQ(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	d.waitFor("Your journey")
	d.press(char('q'))
	d.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// TestBackNavigation walks Esc and Shift+Tab: Shift+Tab moves back within a
// form and leaves the screen only from its first field; Esc always leaves.
func TestBackNavigation(t *testing.T) {
	d := start(t, newRuntime(t, ""))
	d.waitFor("Your journey")
	d.press(enter)
	d.waitFor("No keys yet")
	d.press(char('g'))
	d.focused("Key name")
	d.press(shiftTab)
	d.waitFor("No keys yet")

	d.press(char('g'))
	d.focused("Key name")
	d.press(enter)
	d.focused("Key size")
	d.press(shiftTab) // back to the name field, still on Generate
	s := d.focused("Key name")
	if !strings.Contains(s, "› Generate") {
		t.Fatalf("shift+tab on the second field left the form:\n%s", s)
	}
	d.press(char('q')) // typed into the name, not a quit
	d.waitFor(defaultName + "q")
	d.press(esc)
	d.waitFor("No keys yet")
	d.press(esc)
	d.waitFor("Your journey")
	d.quit()
}

func TestGenerateShowDelete(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(enter, char('g'))
	d.focused("Key name")
	d.press(enter) // the default name
	d.focused("Key size")
	d.press(enter) // 2048 bits
	s := d.waitFor("Generated key " + defaultName)
	keys, err := rt.ListKeys()
	if err != nil || len(keys) != 1 || keys[0].Name != defaultName || keys[0].Bits != 2048 {
		t.Fatalf("keystore after generate = %+v, %v", keys, err)
	}
	k := keys[0]
	if !strings.Contains(s, "kid "+k.KID) {
		t.Errorf("the list does not show the new key's kid %s:\n%s", k.KID, s)
	}

	// The public JWK: on screen, copied (system clipboard and OSC 52), and
	// written to a file, all the same text.
	d.press(enter)
	d.waitFor(`"kid": "` + k.KID + `"`)
	// The key as the portal step shows it: one format for the same field.
	want, err := rt.PortalKey(defaultName)
	if err != nil {
		t.Fatal(err)
	}
	wantText := want.Paste + "\n"
	d.press(char('c'))
	d.waitFor("Copied the key to the clipboard.")
	if got := <-d.copied; got != wantText {
		t.Errorf("copied %q, want %q", got, wantText)
	}
	osc52 := []byte(base64.StdEncoding.EncodeToString([]byte(wantText)))
	teatest.WaitFor(t, d.tm.Output(), func(b []byte) bool { return bytes.Contains(b, osc52) },
		teatest.WithDuration(10*time.Second))

	out := filepath.Join(t.TempDir(), "portal.jwks.json")
	d.press(char('w'))
	d.waitFor("Write the key (JWKS) to")
	d.clear()
	d.typ(out)
	d.press(enter)
	d.waitFor("Wrote " + out)
	got, err := os.ReadFile(out)
	if err != nil || string(got) != want.JWKS+"\n" {
		t.Errorf("written file = %q, %v; want %q", got, err, want.JWKS+"\n")
	}

	d.press(esc)
	d.waitFor("1 key in the keystore")
	d.press(char('d'))
	d.waitFor("Delete key " + defaultName + "?")
	d.press(char('y'))
	d.waitFor("Deleted key " + defaultName)
	if _, err := rt.Keys.Load(defaultName); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("after delete, Load = %v, want ErrNotFound", err)
	}
	golden(t, d.quit(), nil)
}

func TestDeleteCanBeDeclined(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	if _, err := rt.GenerateKey("spare", 2048); err != nil {
		t.Fatal(err)
	}
	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(enter, char('d'))
	d.waitFor("Delete key spare?")
	d.press(enter) // the default answer is Keep
	d.waitFor("Kept key spare.")
	if _, err := rt.Keys.Info("spare"); err != nil {
		t.Errorf("declined delete removed the key: %v", err)
	}
	d.quit()
}

func TestDeleteInUseNeedsTypedName(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	in, err := rt.ImportKey("signing", flows.FormatPEM, writeKeyPEM(t, time.Time{}), "")
	if err != nil {
		t.Fatal(err)
	}
	rt.Facts.KeyName, rt.Facts.KID = in.Name, in.KID
	if err := rt.SaveProfile(); err != nil {
		t.Fatal(err)
	}
	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(enter, char('d'))
	d.focused("Type the key name to delete it")
	d.typ("sign")
	d.press(enter)
	s := d.waitFor("type signing exactly to delete it")
	golden(t, s, map[string]string{in.KID: "<kid>"})

	d.typ("ing")
	d.press(enter)
	d.waitFor("Deleted key signing")
	if rt.Facts.KeyName != "" {
		t.Errorf("profile still names deleted key %q", rt.Facts.KeyName)
	}
	d.quit()
}

func TestImportPEM(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	path := writeKeyPEM(t, time.Time{})
	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(enter, char('i'))
	d.focused("Key name")
	d.clear()
	d.typ("from-pem")
	d.press(enter)
	d.focused("File format")
	d.press(enter) // PEM, the default
	d.focused("File path")
	d.typ(path)
	d.press(enter)
	d.waitFor("Imported key from-pem")
	in, err := rt.Keys.Info("from-pem")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, d.quit(), map[string]string{in.KID: "<kid>", in.Created.Format(time.DateOnly): "<created>"})
}

func TestImportP12(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, priv, testNow.AddDate(1, 0, 0))
	p12, err := pkcs12.Modern.Encode(priv, cert, nil, "hemmelig")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "virksomhet.p12", p12)

	d := start(t, rt)
	d.waitFor("Your journey")
	d.press(enter, char('i'))
	d.focused("Key name")
	d.clear()
	d.typ("virksomhet")
	d.press(enter)
	d.focused("File format")
	d.press(down, down, enter)
	d.focused("File path")
	d.typ(path)
	d.press(enter)
	d.focused("Password for the .p12 file")
	// A wrong password keeps the user on the password field, masked, with
	// the error above it: not on the first field, where it would show.
	d.typ("feil-passord")
	d.press(enter)
	d.waitFor("Could not import the key:")
	s := d.focused("Password for the .p12 file")
	if strings.Contains(s, "feil-passord") || !strings.Contains(flat(s), "wrong password for the .p12 file") {
		t.Errorf("the wrong password is on screen, or its error is not:\n%s", s)
	}
	d.typ("hemmelig")
	if s := d.screen(); strings.Contains(s, "hemmelig") || !strings.Contains(s, "> ********") {
		t.Errorf("the retyped password is not masked:\n%s", s)
	}
	d.press(enter)
	s = d.waitFor("Imported key virksomhet")
	if !strings.Contains(s, "virksomhetssertifikat for 314240979") {
		t.Errorf("imported .p12 does not show its org number:\n%s", s)
	}
	if strings.Contains(s, "hemmelig") {
		t.Errorf("the password is on screen:\n%s", s)
	}
	d.quit()
}

// TestImportErrors checks that bad input is named on screen with what to
// do, and that the form stays open to fix it.
func TestImportErrors(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
		want string
	}{
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.pem") }, "no file at /"},
		{"folder", func(t *testing.T) string { return t.TempDir() }, "is a folder: give the key file"},
		{"corrupt PEM", func(t *testing.T) string {
			return writeFile(t, "bad.pem", []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"))
		}, "Could not import the key:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t, "")
			path := tt.path(t)
			d := start(t, rt)
			d.waitFor("Your journey")
			d.press(enter, char('i'))
			d.focused("Key name")
			d.press(enter)
			d.focused("File format")
			d.press(enter)
			d.focused("File path")
			d.typ(path)
			d.press(enter)
			s := d.waitFor(tt.want)
			if !strings.Contains(s, "› Import") || !strings.Contains(s, "File path") {
				t.Errorf("after an error the import form must stay open:\n%s", s)
			}
			if keys, _ := rt.ListKeys(); len(keys) != 0 {
				t.Errorf("bad input stored keys: %+v", keys)
			}
			if tt.name == "corrupt PEM" {
				golden(t, s, map[string]string{path: "<path>"})
			}
			d.quit()
		})
	}
}

func TestHomeWarnsExpiringKey(t *testing.T) {
	keychaintest.Require(t)
	rt := newRuntime(t, "")
	in, err := rt.ImportKey("expiring", flows.FormatPEM, writeKeyPEM(t, testNow.Add(10*24*time.Hour)), "")
	if err != nil {
		t.Fatal(err)
	}
	rt.Facts.KeyName, rt.Facts.KID = in.Name, in.KID
	d := start(t, rt)
	s := d.waitFor("Your journey")
	if !strings.Contains(s, "Key expiring expires in 10 days (2026-03-12)") {
		t.Errorf("home does not warn about the expiring key:\n%s", s)
	}
	golden(t, d.quit(), nil)
}

// TestNoColor runs the program's own colour detection: NO_COLOR must strip
// every colour (prod stays labelled by its word), and without it the same
// screen is coloured, which shows the check can fail.
func TestNoColor(t *testing.T) {
	colour := regexp.MustCompile("\x1b\\[[0-9;]*[34]8;[25];")
	for _, noColor := range []bool{true, false} {
		env := []string{"TERM=xterm-256color", "COLORTERM=truecolor", "TTY_FORCE=1"}
		if noColor {
			env = append(env, "NO_COLOR=1")
		}
		d := startWith(t, newRuntime(t, "prod"), tea.WithEnvironment(env))
		d.waitFor("Your journey")
		d.quit()
		out, err := io.ReadAll(d.tm.FinalOutput(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := colour.Match(out); got == noColor {
			t.Errorf("NO_COLOR=%v: colour codes in output = %v", noColor, got)
		}
		if !bytes.Contains(out, []byte("PROD")) {
			t.Errorf("NO_COLOR=%v: prod is not labelled", noColor)
		}
	}
}

func TestScrollTo(t *testing.T) {
	blocks := []string{"a1\na2", "b1\nb2", "c1\nc2", "d1\nd2", "e1\ne2"}
	tests := []struct {
		cur, height int
		want        string
	}{
		{0, 10, "a1\na2\nb1\nb2\nc1\nc2\nd1\nd2\ne1\ne2"},
		{0, 6, "a1\na2\nb1\nb2\n  ↓ 3 more keys"},
		{4, 6, "  ↑ 3 more keys\nd1\nd2\ne1\ne2"},
		{2, 6, "  ↑ 2 more keys\nc1\nc2\nd1\nd2\n  ↓ 1 more key"},
	}
	for _, tt := range tests {
		if got := scrollTo(blocks, tt.cur, tt.height); got != tt.want {
			t.Errorf("scrollTo(cur %d, height %d) =\n%s\nwant\n%s", tt.cur, tt.height, got, tt.want)
		}
	}
}
