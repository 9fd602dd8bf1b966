package keystore

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// ErrIncomplete: the key was interrupted while being stored; match it with
// errors.Is.
var ErrIncomplete = errors.New("key incomplete")

// IncompleteError is a key whose metadata is there but whose secret was
// never (known to be) stored: the command storing it was killed, typically
// while the keyring stalled.
type IncompleteError struct{ Name string }

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("key %s was not completely stored (the command storing it was interrupted, or is still running)", e.Name)
}

// Hint is the way out.
func (e *IncompleteError) Hint() string {
	return fmt.Sprintf("remove what is there with `systembruker keys delete %s`, then generate or import the key again", e.Name)
}

func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// Problem kinds, in Problem.Kind.
const (
	ProblemIncomplete = "incomplete" // interrupted while being stored
	ProblemDamaged    = "damaged"    // its metadata file cannot be read
)

// Problem says why a listed key cannot be used, which file is at fault
// and what to do.
type Problem struct {
	Kind   string `json:"kind"`
	File   string `json:"file"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// List returns every key's metadata, sorted by name. It reads no secrets and
// never touches the keychain. A key that cannot be used is listed too, with
// its Problem set, so that one damaged file does not hide the others.
func (s *Store) List() ([]Info, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, err
	}
	infos := []Info{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || ValidName(name) != nil {
			continue
		}
		infos = append(infos, s.listed(name))
	}
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return infos, nil
}

// listed is one key as List shows it.
func (s *Store) listed(name string) Info {
	fix := fmt.Sprintf("systembruker keys delete %s", name)
	rec, err := s.read(name)
	switch {
	case err != nil:
		return Info{Name: name, Problem: &Problem{Kind: ProblemDamaged, File: s.metaPath(name), Detail: err.Error(),
			Fix: fmt.Sprintf("remove it with `%s`, or restore the file from a backup", fix)}}
	case rec.Pending:
		ie := &IncompleteError{Name: rec.Name}
		rec.Info.Problem = &Problem{Kind: ProblemIncomplete, File: s.metaPath(name), Detail: ie.Error(), Fix: ie.Hint()}
	}
	return rec.Info
}

// Delete removes a key's keychain items, files and metadata. The metadata goes
// last, so a failed delete can be retried. A key that was not completely
// stored, or whose metadata is damaged, is removed too: everything that may
// be there under its name goes.
func (s *Store) Delete(name string) error {
	rec, err := s.read(name)
	if errors.Is(err, ErrNotFound) || err != nil && ValidName(name) != nil {
		return err
	}
	var storages []Storage
	switch {
	case err == nil:
		storages = []Storage{rec.Storage}
	case s.backend == File:
		storages = []Storage{InFile}
	default: // damaged metadata: wherever keychain mode may have put it
		storages = []Storage{InKeychain, InKeychainFile}
	}
	for _, st := range storages {
		if err := s.remove(s.keySlot(name), st); err != nil {
			return fmt.Errorf("delete key %s: %w", name, err)
		}
	}
	return removeFile(s.metaPath(name))
}
