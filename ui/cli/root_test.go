package cli

import (
	"strings"
	"testing"
)

// The root builds only the invoked top-level command; help, typos and flags
// before the command still see the whole tree.
func TestRootBuildsWhatIsAsked(t *testing.T) {
	if got := newRootCmd(NewFactory(), []string{"token", "--help"}).Commands(); len(got) != 1 || got[0].Name() != "token" {
		t.Errorf("token: built %v, want only token", got)
	}
	whole := len(NewRootCmd(NewFactory()).Commands())
	for _, args := range [][]string{nil, {"--help"}, {"help", "token"}, {"--env", "test", "token"}, {"tokne"}} {
		if got := len(newRootCmd(NewFactory(), args).Commands()); got != whole {
			t.Errorf("%q: built %d commands, want all %d", args, got, whole)
		}
	}

	home := t.TempDir()
	out, _, code := runPlain(t, home, "--help")
	for _, name := range []string{"keys", "token", "client", "profile", "sim"} {
		if code != 0 || !strings.Contains(out, "  "+name+" ") {
			t.Errorf("--help (exit %d) does not list %s:\n%s", code, name, out)
		}
	}
	out, _, code = runPlain(t, home, "token", "--help")
	if code != 0 || !strings.Contains(out, "--systemuser-org") || !strings.Contains(out, "--env") {
		t.Errorf("token --help (exit %d) lacks its own or the global flags:\n%s", code, out)
	}
	_, stderr, code := runPlain(t, home, "tokne")
	if code != ExitUsage || !strings.Contains(stderr, `did you mean "token"`) {
		t.Errorf("a typo (exit %d) should suggest token: %s", code, stderr)
	}
}
