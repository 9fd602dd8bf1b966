package flows

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodSystemFile = `# Smart Regnskap in Altinn's system register
name = { nb = "Smart Regnskap", nn = "Smart Rekneskap", en = "Smart Accounting" }
description = { nb = "Regnskap for små bedrifter", nn = "Rekneskap for små bedrifter", en = "Accounting for small businesses" }
redirect_urls = ["https://smartregnskap.example/callback"]
access_packages = ["urn:altinn:accesspackage:skattegrunnlag"]
resources = ["ske-krav-og-betalinger"]
`

func writeSystemFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "system.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadSystemFile(t *testing.T) {
	f, err := LoadSystemFile(writeSystemFile(t, goodSystemFile))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.NN != "Smart Rekneskap" || f.Visible != nil || f.ClientIDs != nil || len(f.Resources) != 1 {
		t.Errorf("loaded %+v", f)
	}
}

func TestLoadSystemFileErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // each an error line, with the file's line number
	}{
		{"malformed TOML", goodSystemFile + "visible = yes\n",
			[]string{"system.toml:7: column 11: "}},
		{"wrong type", goodSystemFile + "visible = \"yes\"\n",
			[]string{"system.toml:7: visible: has the wrong type: write it as visible = true or visible = false (no quotes)"}},
		{"wrong type in a table", strings.Replace(goodSystemFile, `nn = "Smart Rekneskap"`, "nn = 1", 1),
			[]string{`system.toml:2: name: has the wrong type: write it as name = { nb = "…", nn = "…", en = "…" }`}},
		{"unknown field", goodSystemFile + "\nredirect_url = \"https://x.example\"\n",
			[]string{"system.toml:8: redirect_url: unknown field: the fields are id, name, description"}},
		{"bad fields", `id = "310000000_smart regnskap"
name = { nb = "Smart" }
description = { nb = "d", nn = "d", en = "d" }
redirect_urls = [
  "https://ok.example",
  "http://smart.example",
]
access_packages = ["skattegrunnlag", "urn:altinn:accesspackage:skattegrunnlag"]
resources = ["urn:altinn:resource:x", "a", "a"]
`, []string{
			`system.toml:1: id: "310000000_smart regnskap" contains a space`,
			"system.toml:2: name.nn: is missing: Altinn shows the name in Bokmål (nb), Nynorsk (nn) and English (en); give all three",
			"system.toml:2: name.en: is missing",
			`system.toml:6: redirect_urls[1]: redirect URL "http://smart.example" must use https`,
			`system.toml:8: access_packages[0]: access package "skattegrunnlag" must be a URN like urn:altinn:accesspackage:skattegrunnlag`,
			`system.toml:9: resources[0]: "urn:altinn:resource:x" is not a resource id`,
			`system.toml:9: resources[2]: "a" is listed twice`,
		}},
		{"missing tables", `resources = []`, []string{
			"system.toml: name.nb: is missing", "system.toml: description.en: is missing",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSystemFile(writeSystemFile(t, tt.text))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v, want *FileError", err)
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Dir(fe.Path)+string(filepath.Separator), "")
			for _, w := range tt.want {
				if !strings.Contains("\n"+msg, "\n"+w) {
					t.Errorf("error:\n%s\nwant a line starting %q", msg, w)
				}
			}
		})
	}
	if _, err := LoadSystemFile(filepath.Join(t.TempDir(), "none.toml")); err == nil || !strings.Contains(err.Error(), "cannot read the system file") {
		t.Errorf("missing file: %v", err)
	}
}
