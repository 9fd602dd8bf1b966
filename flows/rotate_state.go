package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/atomicfile"
	"github.com/systembruker/systembruker/internal/filelock"
	"github.com/systembruker/systembruker/keystore"
)

// The saved state of a rotation, the lock that keeps two rotations of one
// profile and environment apart, and the checks a resumed rotation makes
// before it destroys anything.

var stepOrder = []rotateStep{stepPlanned, stepGenerated, stepAdded, stepProven, stepSwitched, stepRemoved, stepDone}

// switched reports whether the profile signs with the new key from step s on.
func (s rotateStep) switched() bool {
	return slices.Index(stepOrder, s) >= slices.Index(stepOrder, stepSwitched)
}

const rotationPrefix = "rotation-"

func (r *Runtime) rotationPath() string {
	return filepath.Join(r.Dirs.State, fmt.Sprintf("%s%s-%s.json", rotationPrefix, r.ProfileName, r.Env.Name))
}

// PendingRotation returns an unfinished rotation of this profile and
// environment, or nil.
func (r *Runtime) PendingRotation() (*Rotation, error) {
	st, err := readRotation(r.rotationPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return st, nil
}

// readRotation reads a saved rotation; a missing file is fs.ErrNotExist.
func readRotation(path string) (*Rotation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st Rotation
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): check `systembruker client keys list` and the profile, then remove the file", path, err)
	}
	return &st, nil
}

func (r *Runtime) saveRotation(st *Rotation) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(r.rotationPath(), append(data, '\n'), 0o600)
}

// lockRotation keeps a second rotation of this profile and environment
// from running at the same time: two would plan two new keys and remove
// each other's. It does not wait: a rotation can take minutes.
func (r *Runtime) lockRotation() (func(), error) {
	release, err := filelock.Acquire(strings.TrimSuffix(r.rotationPath(), ".json")+".lock", 0)
	if errors.Is(err, filelock.ErrBusy) {
		return nil, &hintError{
			msg:  fmt.Sprintf("another key rotation of profile %s in %s is running", r.ProfileName, r.Env.Name),
			hint: "let it finish; if it stopped, run `systembruker keys rotate` again to finish it",
		}
	}
	return release, err
}

// rotationsUsing names the unfinished rotations, of any profile and
// environment, that involve the key as old or new key, e.g. "profile acme
// in prod". Damaged state files are left to PendingRotation to report.
func (r *Runtime) rotationsUsing(key string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(r.Dirs.State, rotationPrefix+"*.json"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		st, err := readRotation(p)
		if err != nil || (st.OldKey != key && st.NewKey != key) {
			continue
		}
		out = append(out, rotationOwner(p))
	}
	return out, nil
}

// rotationOwner is "profile P in E" for a state file rotation-P-E.json.
// Environment names have no '-', profile names may.
func rotationOwner(path string) string {
	base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), rotationPrefix), ".json")
	i := strings.LastIndexByte(base, '-')
	return fmt.Sprintf("profile %s in %s", base[:i], base[i+1:])
}

// checkResumed compares a saved rotation with the profile as it is now. A
// command run since (`client use`, `client create`, `admin set`) may have
// given the client another key; going on would then remove the key the
// profile signs with.
func (r *Runtime) checkResumed(st *Rotation) error {
	client, key := r.Facts.ClientID, r.Facts.KeyName
	if st.Admin {
		client, key = r.Facts.AdminClientID, r.Facts.AdminKey
	}
	want := st.OldKey
	if st.Step.switched() {
		want = st.NewKey
	}
	if client == st.ClientID && key == want {
		return nil
	}
	return &RotationConflictError{Rotation: *st, ProfileClient: client, ProfileKey: key}
}

// RotationConflictError: the saved rotation no longer matches the profile,
// so it stopped before destroying anything.
type RotationConflictError struct {
	Rotation                  Rotation
	ProfileClient, ProfileKey string
}

func (e *RotationConflictError) Error() string {
	st := e.Rotation
	now := fmt.Sprintf("signs with key %s", orNone(e.ProfileKey))
	if e.ProfileClient != st.ClientID {
		now = fmt.Sprintf("uses client %s with key %s", orNone(e.ProfileClient), orNone(e.ProfileKey))
	}
	return fmt.Sprintf("the unfinished key rotation of client %s (key %s to %s, next step %s) no longer matches the profile, "+
		"which now %s: it stopped and removed nothing", st.ClientID, st.OldKey, st.NewKey, st.Step.next(), now)
}

// Hint is the way out.
func (e *RotationConflictError) Hint() string {
	return fmt.Sprintf("check the client's keys with `systembruker client keys list %s`; then `systembruker keys rotate --abandon` "+
		"forgets the saved rotation (it deletes nothing: remove key %s yourself if it is not wanted), and "+
		"`systembruker keys rotate` starts a new one", e.Rotation.ClientID, e.Rotation.NewKey)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// AbandonRotation forgets this profile's unfinished rotation without
// touching keys or the client, and returns it (nil if there was none).
func (r *Runtime) AbandonRotation() (*Rotation, error) {
	release, err := r.lockRotation()
	if err != nil {
		return nil, err
	}
	defer release()
	st, err := r.PendingRotation()
	if err != nil || st == nil {
		return nil, err
	}
	return st, os.Remove(r.rotationPath())
}

// checkNewKeyRegistered makes sure the client holds the new key before the
// old one is removed from it: otherwise the client would be left with no
// key this machine has.
func (r *Runtime) checkNewKeyRegistered(ctx context.Context, api *selfservice.API, st *Rotation) error {
	set, err := api.GetJWKS(ctx, st.ClientID)
	if err != nil {
		return adminErr(r, err)
	}
	if slices.ContainsFunc(set.Keys, func(k selfservice.JWK) bool { return k.KID == st.NewKID }) {
		return nil
	}
	return &hintError{
		msg: fmt.Sprintf("the new key %s (kid %s) is no longer registered on client %s: the old key was not removed",
			st.NewKey, st.NewKID, st.ClientID),
		hint: fmt.Sprintf("register it again with `systembruker client keys add %s --key %s`, then run `systembruker keys rotate` again",
			st.ClientID, st.NewKey),
	}
}

// deleteOldKey deletes the old key from the keystore unless a profile or
// environment still names it, or another unfinished rotation involves it
// (the keychain is shared by all): then it keeps it and says so. The check
// and the delete run under the profile file's lock.
func (r *Runtime) deleteOldKey(st *Rotation, p Progress) error {
	others, err := r.rotationsUsing(st.OldKey)
	if err != nil {
		return err
	}
	own := rotationOwner(r.rotationPath())
	others = slices.DeleteFunc(others, func(s string) bool { return s == own })
	var kept KeyUses
	err = r.Config.SaveChecked(func(_, merged *config.File) error {
		kept = KeyUses{Profiles: merged.KeyUsers(st.OldKey), Rotations: others}
		if kept.Any() {
			return nil
		}
		if err := r.Keys.Delete(st.OldKey); err != nil && !errors.Is(err, keystore.ErrNotFound) {
			return err
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case kept.Any():
		st.OldKeyUsedBy = kept.Describe()
		p.say("Kept the old key %s in the keystore: it is still used by %s.", st.OldKey, st.OldKeyUsedBy)
	default:
		p.say("Deleted the old key %s from the keystore.", st.OldKey)
	}
	return nil
}
