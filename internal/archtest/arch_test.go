// Package archtest checks the design card's import rules: cmd → ui → flows
// → api, keystore; sim imports none of the module's other packages, so that
// it checks the clients' wire format independently.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/systembruker/systembruker/"

// forbidden lists, per top-level package, the module packages it must not
// import (non-test files only; tests may use the simulator).
var forbidden = map[string][]string{
	"sim":      {"api", "cmd", "config", "flows", "internal/atomicfile", "keystore", "orgno", "ui"},
	"api":      {"cmd", "flows", "keystore", "sim", "ui"},
	"keystore": {"api", "cmd", "flows", "sim", "ui"},
	"config":   {"api", "cmd", "flows", "keystore", "sim", "ui"},
	"flows":    {"cmd", "ui"},
	// ui may name api types and validators (a client id's format, a JWK);
	// every call to a service goes through flows.
	"ui": {"cmd", "sim"},
}

func TestImportDirection(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		rules, ok := forbidden[top]
		if !ok {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			for _, bad := range rules {
				if p == module+bad || strings.HasPrefix(p, module+bad+"/") {
					t.Errorf("%s imports %s: %s must not import %s", rel, p, top, bad)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the walk rooted at the module?", checked)
	}
}

// The test must be able to fail: a file that breaks a rule is caught.
func TestImportDirectionCatchesViolation(t *testing.T) {
	dir := t.TempDir()
	src := "package sim\nimport _ \"" + module + "flows\"\n"
	path := filepath.Join(dir, "bad.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Trim(f.Imports[0].Path.Value, `"`)
	found := false
	for _, bad := range forbidden["sim"] {
		if p == module+bad {
			found = true
		}
	}
	if !found {
		t.Error("the rules do not forbid sim importing flows")
	}
}
