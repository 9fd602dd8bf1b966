package flows

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/systembruker/systembruker/api/altinn/systemregister"
	"github.com/systembruker/systembruker/internal/readlimit"
)

// SystemFile is a system definition as the vendor keeps it in version
// control (TOML). Empty fields take defaults when resolved: id from the org
// number and name, client ids from the profile, visible true.
type SystemFile struct {
	ID             string   `toml:"id"`
	Name           Langs    `toml:"name"`
	Description    Langs    `toml:"description"`
	ClientIDs      []string `toml:"client_ids"`
	RedirectURLs   []string `toml:"redirect_urls"`
	Visible        *bool    `toml:"visible"`
	AccessPackages []string `toml:"access_packages"`
	Resources      []string `toml:"resources"`

	path  string
	lines map[string]int // "name.nb", "redirect_urls[1]" → line
}

// Langs is a text in Bokmål, Nynorsk and English, as Altinn shows it.
type Langs struct {
	NB string `toml:"nb" json:"nb"`
	NN string `toml:"nn" json:"nn"`
	EN string `toml:"en" json:"en"`
}

// Map is the text as Altinn's language map.
func (l Langs) Map() map[string]string { return map[string]string{"nb": l.NB, "nn": l.NN, "en": l.EN} }

// FileError is a mistake in a system file, with the line to look at.
type FileError struct {
	Path  string
	Line  int    // 0 when the field is missing
	Field string // "redirect_urls[1]"; "" for a syntax error
	Msg   string
}

func (e *FileError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	if e.Field == "" {
		return loc + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
}

// maxSystemFile bounds a system file: a real one is a few kB.
const maxSystemFile = 1 << 20

// LoadSystemFile reads and checks a system file. Every mistake is reported
// at once (errors.Join of *FileError), each with its line.
func LoadSystemFile(path string) (*SystemFile, error) {
	data, err := readlimit.File(path, maxSystemFile, "the system file")
	if err != nil {
		return nil, &InputError{fmt.Sprintf("cannot read the system file: %v", err)}
	}
	f := &SystemFile{path: path}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		return nil, tomlError(path, err)
	}
	f.lines = keyLines(data)
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// tomlError turns go-toml's errors into FileErrors with line numbers.
func tomlError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for _, e := range strict.Errors {
			row, _ := e.Position()
			errs = append(errs, &FileError{Path: path, Line: row, Field: strings.Join(e.Key(), "."),
				Msg: "unknown field: the fields are id, name, description, client_ids, redirect_urls, visible, access_packages and resources"})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		key := strings.Join(de.Key(), ".")
		top, _, _ := strings.Cut(key, ".")
		if shape, ok := fieldShapes[top]; ok {
			return &FileError{Path: path, Line: row, Field: key, Msg: "has the wrong type: write it as " + shape}
		}
		return &FileError{Path: path, Line: row, Msg: fmt.Sprintf("column %d: %s", col, de.Error())}
	}
	return &FileError{Path: path, Msg: err.Error()}
}

// fieldShapes says how each field is written, for a value of the wrong
// type (go-toml's own message names Go types).
var fieldShapes = map[string]string{
	"id":              `id = "314248295_name"`,
	"name":            `name = { nb = "…", nn = "…", en = "…" }`,
	"description":     `description = { nb = "…", nn = "…", en = "…" }`,
	"client_ids":      `client_ids = ["…"]`,
	"redirect_urls":   `redirect_urls = ["https://…"]`,
	"visible":         "visible = true or visible = false (no quotes)",
	"access_packages": `access_packages = ["urn:altinn:accesspackage:…"]`,
	"resources":       `resources = ["resource-id"]`,
}

// keyLines maps each key, inline-table member and array element of the
// document to its line. The file has been decoded already, so it parses.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	line := func(n *unstable.Node) int { return p.Shape(n.Raw).Start.Line }
	for p.NextExpression() {
		e := p.Expression()
		if e.Kind != unstable.KeyValue {
			continue
		}
		key := joinKey(e.Key())
		v := e.Value()
		lines[key] = line(e.Value())
		it := v.Children()
		for i := 0; it.Next(); i++ {
			n := it.Node()
			switch n.Kind {
			case unstable.KeyValue:
				lines[key+"."+joinKey(n.Key())] = line(n.Value())
			default:
				lines[fmt.Sprintf("%s[%d]", key, i)] = line(n)
			}
		}
	}
	return lines
}

func joinKey(it unstable.Iterator) string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

// check applies the field rules Altinn would (and a few it should).
func (f *SystemFile) check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FileError{Path: f.path, Line: f.line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if f.ID != "" && strings.ContainsFunc(f.ID, unicode.IsSpace) {
		bad("id", "%q contains a space: Altinn refuses spaces anywhere in a system id", f.ID)
	}
	for _, l := range []struct {
		field string
		text  Langs
	}{{"name", f.Name}, {"description", f.Description}} {
		for _, t := range [][2]string{{"nb", l.text.NB}, {"nn", l.text.NN}, {"en", l.text.EN}} {
			field, s := l.field+"."+t[0], t[1]
			switch {
			case strings.TrimSpace(s) == "":
				bad(field, "is missing: Altinn shows the %s in Bokmål (nb), Nynorsk (nn) and English (en); give all three", l.field)
			case strings.ContainsFunc(s, unicode.IsControl):
				bad(field, "contains a control character: write plain text")
			}
		}
	}
	for i, u := range f.RedirectURLs {
		if _, err := systemregister.NormalizeRedirectURL(u); err != nil {
			bad(fmt.Sprintf("redirect_urls[%d]", i), "%v", err)
		}
	}
	for i, urn := range f.AccessPackages {
		if err := systemregister.CheckPackageURN(urn); err != nil {
			bad(fmt.Sprintf("access_packages[%d]", i), "%v", err)
		}
	}
	for i, id := range f.Resources {
		if id == "" || strings.ContainsFunc(id, unicode.IsSpace) || strings.HasPrefix(id, "urn:") {
			bad(fmt.Sprintf("resources[%d]", i), "%q is not a resource id: write the id alone, e.g. ske-krav-og-betalinger", id)
		}
	}
	for _, l := range []struct {
		field string
		xs    []string
	}{{"client_ids", f.ClientIDs}, {"redirect_urls", f.RedirectURLs}, {"access_packages", f.AccessPackages}, {"resources", f.Resources}} {
		if i := duplicateAt(l.xs); i >= 0 {
			bad(fmt.Sprintf("%s[%d]", l.field, i), "%q is listed twice: Altinn refuses duplicates", l.xs[i])
		}
	}
	return errors.Join(errs...)
}

// line is where field (or, for a missing member, its table) is written.
func (f *SystemFile) line(field string) int {
	if n, ok := f.lines[field]; ok {
		return n
	}
	top, _, _ := strings.Cut(field, ".")
	return f.lines[top]
}

func duplicateAt(xs []string) int {
	seen := map[string]bool{}
	for i, x := range xs {
		if seen[x] {
			return i
		}
		seen[x] = true
	}
	return -1
}
