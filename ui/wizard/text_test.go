package wizard

import (
	"strings"
	"testing"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

type hintedError struct{ msg, hint string }

func (e hintedError) Error() string { return e.msg }
func (e hintedError) Hint() string  { return e.hint }

// The wizard's errors suggest commands that act on the wizard's profile and
// environment when pasted.
func TestErrorViewCommandsRunAsPrinted(t *testing.T) {
	rt, err := flows.Open(flows.Options{
		Dirs: config.Dirs{Config: t.TempDir(), Data: t.TempDir()}, Env: config.Test, Profile: "acme",
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := hintedError{"no key named k: see `systembruker keys list`", "run `systembruker keys rotate`"}
	got := errorView(styles.New(true), rt, 1<<20, "Could not", e)
	for _, want := range []string{
		"see `systembruker --env test --profile acme keys list`",
		"run `systembruker --env test --profile acme keys rotate`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errorView lacks %q:\n%s", want, got)
		}
	}
}
