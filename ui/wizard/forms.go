package wizard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

// The form builders below are shared by the full-screen screens and the
// accessible mode, so both ask the same questions with the same checks.

type genAnswers struct {
	Name string
	Bits int
}

func genGroups(rt *flows.Runtime, a *genAnswers, accessible bool) []*huh.Group {
	return []*huh.Group{huh.NewGroup(
		huh.NewInput().
			Title(withDefault("Key name", a.Name, accessible)).
			Description("Letters, digits, . _ and -. It names the key here and in `systembruker keys list`.").
			Value(&a.Name).
			Validate(newKeyName(rt, accessible)),
		huh.NewSelect[int]().
			Title("Key size").
			Options(
				huh.NewOption("2048 bits (recommended: what Maskinporten expects)", 2048),
				huh.NewOption("3072 bits", 3072),
				huh.NewOption("4096 bits (slower to generate and sign)", 4096),
			).
			Value(&a.Bits),
	)}
}

type importAnswers struct {
	Name     string
	Format   flows.KeyFormat
	Path     string
	Password string
}

// importFileGroup asks for the key file; importPasswordGroup follows it for
// .p12 files only.
func importFileGroup(rt *flows.Runtime, a *importAnswers, accessible bool) *huh.Group {
	return huh.NewGroup(
		huh.NewInput().
			Title(withDefault("Key name", a.Name, accessible)).
			Description("What to call the key here. Letters, digits, . _ and -.").
			Value(&a.Name).
			Validate(newKeyName(rt, accessible)),
		huh.NewSelect[flows.KeyFormat]().
			Title("File format").
			Options(
				huh.NewOption("PEM private key (BEGIN PRIVATE KEY / BEGIN RSA PRIVATE KEY)", flows.FormatPEM),
				huh.NewOption("Private JWK (JSON with \"d\")", flows.FormatJWK),
				huh.NewOption(".p12 / .pfx virksomhetssertifikat", flows.FormatP12),
			).
			Value(&a.Format),
		huh.NewInput().
			Title("File path").
			Description("The private key file. ~ means your home folder.").
			Value(&a.Path).
			Validate(existingFile),
	)
}

func importPasswordGroup(a *importAnswers) *huh.Group {
	return huh.NewGroup(
		huh.NewInput().
			Key(p12PasswordKey).
			Title("Password for the .p12 file").
			Description("It unlocks the file once; the key is then kept in the keystore without it.").
			EchoMode(huh.EchoModePassword).
			Value(&a.Password),
	)
}

// p12PasswordKey names the .p12 password fields, so that a wrong password
// brings the user back to that field (focusOn), masked, not to the form's
// first field, where a retyped password would show in clear.
const p12PasswordKey = "p12-password"

// focusOn moves a form just built (and initialised) forward to the field
// keyed key, which must be the first of its group; the groups before it
// keep their answers.
func focusOn(f *huh.Form, key string) tea.Cmd {
	var cmds []tea.Cmd
	for range 16 { // more groups than any form has
		if f.State != huh.StateNormal || f.GetFocusedField().GetKey() == key {
			break
		}
		cmds = append(cmds, f.NextGroup())
	}
	return tea.Batch(cmds...)
}

type deleteAnswers struct {
	Confirm bool
	Typed   string
}

// confirmed reports whether the answers say delete.
func (a *deleteAnswers) confirmed(typed bool, name string) bool {
	if typed {
		return strings.TrimSpace(a.Typed) == name
	}
	return a.Confirm
}

// typedDelete is true when deleting must be confirmed by typing the key's
// name: a key in use anywhere (deleting it breaks token fetching there) or
// any key in prod. Typing it is what lets DeleteKey delete a key in use.
func typedDelete(rt *flows.Runtime, k flows.KeyStatus) bool {
	return k.InUse || k.KeyUses.Any() || rt.Env.IsProd()
}

// deleteGroups asks for the confirmation. In the full-screen UI a wrong
// name is refused in place (Esc keeps the key); the accessible mode has no
// Esc, so there any other answer keeps the key.
func deleteGroups(rt *flows.Runtime, k flows.KeyStatus, a *deleteAnswers, accessible bool) []*huh.Group {
	if typedDelete(rt, k) {
		in := huh.NewInput().Title("Type the key name to delete it").Value(&a.Typed)
		if accessible {
			in.Title("Type the key name to delete it (anything else keeps it)")
		} else {
			in.Validate(func(s string) error {
				if strings.TrimSpace(s) != k.Name {
					return fmt.Errorf("type %s exactly to delete it, or press esc to keep it", k.Name)
				}
				return nil
			})
		}
		return []*huh.Group{huh.NewGroup(in)}
	}
	return []*huh.Group{huh.NewGroup(
		huh.NewConfirm().
			Title("Delete key " + k.Name + "?").
			Description("Its private key is removed from the keystore. This cannot be undone.").
			Affirmative("Delete").
			Negative("Keep").
			Value(&a.Confirm),
	)}
}

// withDefault names the default in an accessible prompt's title: line
// prompts do not show the field's value, and Enter takes it.
func withDefault(title, def string, accessible bool) string {
	if !accessible || def == "" {
		return title
	}
	return title + " (Enter for " + def + ")"
}

// newKeyName checks a name for a new key: well-formed and not taken. In
// accessible mode an empty answer is fine: huh then takes the default.
func newKeyName(rt *flows.Runtime, accessible bool) func(string) error {
	return func(name string) error {
		switch {
		case name == "" && accessible:
			return nil
		case name == "":
			return errors.New("give the key a name")
		}
		if err := keystore.ValidName(name); err != nil {
			return err
		}
		if _, err := rt.Keys.Info(name); err == nil {
			return fmt.Errorf("a key named %s already exists: pick another name", name)
		}
		return nil
	}
}

// existingFile checks the path names a readable regular file, so a typo is
// caught in the form rather than after the keychain was unlocked.
func existingFile(p string) error {
	if strings.TrimSpace(p) == "" {
		return errors.New("give the path to the key file")
	}
	fi, err := os.Stat(expandHome(p))
	switch {
	case errors.Is(err, fs.ErrNotExist) && filepath.IsAbs(expandHome(p)):
		return fmt.Errorf("no file at %s: check the path", p)
	case errors.Is(err, fs.ErrNotExist):
		wd, _ := os.Getwd()
		return fmt.Errorf("no file at %s: check the path (relative paths start in %s)", p, wd)
	case err != nil:
		return fmt.Errorf("cannot read %s: %v", p, err)
	case fi.IsDir():
		return fmt.Errorf("%s is a folder: give the key file inside it", p)
	}
	return nil
}

// expandHome turns a leading ~ into the home folder, as a shell would: the
// form is not a shell, but people type paths as if it were.
func expandHome(p string) string {
	p = strings.TrimSpace(p)
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
