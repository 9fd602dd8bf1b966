package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/internal/filelock"
)

// lockWait is how long Save waits for another command to finish writing
// config.json. Writers hold the lock for milliseconds, or for one keychain
// call (at most a few seconds) when a key is deleted under it. A variable
// for the test of the busy case.
var lockWait = 15 * time.Second

// Load reads config.json from dir. A missing file is an empty config.
func Load(dir string) (*File, error) {
	f := &File{path: filepath.Join(dir, "config.json")}
	data, err := readFile(f.path)
	if err != nil || data == nil {
		return f, err
	}
	if err := decode(f.path, data, f); err != nil {
		return nil, err
	}
	f.base = data
	return f, nil
}

// readFile reads path; a missing file is nil data and no error.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// decode parses config.json, saying which field is wrong when the JSON is
// valid but a value has the wrong type.
func decode(path string, data []byte, f *File) error {
	err := json.Unmarshal(data, f)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		line := 1 + bytes.Count(data[:min(int(typeErr.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("%s, line %d: the field %s holds %s where %s is expected: correct it, or remove the field",
			path, line, typeErr.Field, valueKind(typeErr.Value), jsonKind(typeErr.Type))
	}
	return fmt.Errorf("%s is not valid JSON (%v): fix or remove it", path, err)
}

// valueKind names the JSON value UnmarshalTypeError found.
func valueKind(v string) string {
	switch kind, _, _ := strings.Cut(v, " "); kind {
	case "string":
		return "text"
	case "number":
		return "a number"
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "bool":
		return "true or false"
	}
	return v
}

// jsonKind names a Go type as the JSON value it is read from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text (a string in quotes)"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		if t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[*time.Time]() {
			return "a time in quotes (RFC 3339)"
		}
		return "an object"
	}
	return "a number"
}

// Path is where the file lives.
func (f *File) Path() string { return f.path }

// Save writes this process's changes to config.json. WHY not the whole
// in-memory copy: another command may have written since this one read the
// file, and writing back that stale copy would undo its changes. So Save
// takes the file lock, reads the file afresh, applies the fields that
// differ from what this process read (or last wrote), and replaces the file
// atomically with mode 0600. Sections that hold nothing are left out:
// opening a profile creates them in memory, and they should not turn into
// phantom profiles on disk.
func (f *File) Save() error { return f.SaveChecked(nil) }

// SaveChecked is Save with a check run under the lock, on the file as it
// was on disk (current) and as it will be written (merged): work that must
// not interleave with other writers (deleting a key only if no profile
// uses it) goes there, and may change merged. An error writes nothing.
func (f *File) SaveChecked(check func(current, merged *File) error) error {
	release, err := filelock.Acquire(f.path+".lock", lockWait)
	if errors.Is(err, filelock.ErrBusy) {
		return fmt.Errorf("another systembruker command has been changing %s for more than %s: "+
			"let it finish and try again (its lock is released when it exits)", f.path, lockWait)
	}
	if err != nil {
		return err
	}
	defer release()
	disk, err := readFile(f.path)
	if err != nil {
		return err
	}
	current := &File{path: f.path}
	if err := decode(f.path, orEmpty(disk), current); err != nil {
		return err
	}
	mine, err := canonical(f)
	if err != nil {
		return err
	}
	base, err := f.canonicalBase()
	if err != nil {
		return err
	}
	theirs, err := canonical(current)
	if err != nil {
		return err
	}
	merged := &File{path: f.path}
	data, err := json.Marshal(merge(base, mine, theirs))
	if err == nil {
		err = decode(f.path, data, merged)
	}
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(current, merged); err != nil {
			return err
		}
	}
	merged.prune()
	out, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(f.path, append(out, '\n'), 0o600); err != nil {
		return err
	}
	f.base, err = json.Marshal(mine)
	return err
}

func orEmpty(data []byte) []byte {
	if len(bytes.TrimSpace(data)) == 0 {
		return []byte("{}")
	}
	return data
}

// canonicalBase is the file as this process last saw it, in the same form
// as canonical(f), so that fields it did not touch compare equal.
func (f *File) canonicalBase() (any, error) {
	var b File
	if err := json.Unmarshal(orEmpty(f.base), &b); err != nil {
		return nil, err
	}
	return canonical(&b)
}

// canonical is f as generic JSON (maps, slices, strings, json.Number), the
// form merge works on: it handles every field, present and future, alike.
func canonical(f *File) (any, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v)
}

// merge applies the change from base to mine onto theirs, object member by
// object member: what this process did not change keeps theirs' value;
// what it changed or removed wins. Lists and plain values are replaced
// whole.
func merge(base, mine, theirs any) any {
	if reflect.DeepEqual(base, mine) {
		return theirs
	}
	mm, ok := mine.(map[string]any)
	if !ok {
		return mine
	}
	bm, _ := base.(map[string]any)
	out := map[string]any{}
	if tm, ok := theirs.(map[string]any); ok {
		maps.Copy(out, tm)
	}
	for k := range bm {
		if _, kept := mm[k]; !kept {
			delete(out, k)
		}
	}
	for k, mv := range mm {
		bv, inBase := bm[k]
		if inBase && reflect.DeepEqual(bv, mv) {
			continue
		}
		out[k] = merge(bv, mv, out[k])
	}
	return out
}

// prune leaves out sections that hold nothing.
func (f *File) prune() {
	for name, p := range f.Profiles {
		for env, e := range p.Envs {
			if e == nil || reflect.DeepEqual(*e, EnvProfile{}) {
				delete(p.Envs, env)
			}
		}
		if len(p.Envs) == 0 && p.Env == "" && name != f.ActiveProfile {
			delete(f.Profiles, name)
		}
	}
}

// KeyUse is one place a key is named: a profile's section for an
// environment, as its signing key or its admin key.
type KeyUse struct {
	Profile string `json:"profile"`
	Env     string `json:"env"`
	Admin   bool   `json:"admin,omitempty"`
}

func (u KeyUse) String() string {
	role := "signing key"
	if u.Admin {
		role = "admin key"
	}
	return fmt.Sprintf("profile %s in %s (%s)", u.Profile, u.Env, role)
}

// KeyUsers lists every section of every profile that names the key. The
// keychain is shared by all profiles and environments, so a key is in use
// if any of them names it.
func (f *File) KeyUsers(key string) []KeyUse {
	var out []KeyUse
	for _, name := range f.ProfileNames() {
		for _, env := range Names {
			e := f.Profiles[name].Envs[env]
			if e != nil && e.KeyName == key {
				out = append(out, KeyUse{Profile: name, Env: env})
			}
			if e != nil && e.AdminKey == key {
				out = append(out, KeyUse{Profile: name, Env: env, Admin: true})
			}
		}
	}
	return out
}

// ForgetKey clears every reference to key, for after it is deleted.
func (f *File) ForgetKey(key string) {
	for _, p := range f.Profiles {
		for _, e := range p.Envs {
			if e.KeyName == key {
				e.KeyName, e.KID, e.KeyExpires = "", "", nil
			}
			if e.AdminKey == key {
				e.AdminKey = ""
			}
		}
	}
}

// UsesProd reports whether any of uses is in production.
func UsesProd(uses []KeyUse) bool {
	return slices.ContainsFunc(uses, func(u KeyUse) bool { return u.Env == Prod })
}
