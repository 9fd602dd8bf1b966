package flows

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/keystore"
)

// Key rotation without downtime, after the recipe peers use against
// Digdir: make a new key, register it next to the old one, prove a token
// with it, switch the profile to it, and only then remove the old key from
// the client and the keystore. Each finished step is written to a state
// file, so an interrupted rotation is finished by running it again, and at
// every point the client has a registered key that this machine holds.

// rotateStep is the last finished step of a rotation.
type rotateStep string

const (
	stepPlanned   rotateStep = "planned"   // new key name chosen
	stepGenerated rotateStep = "generated" // new key in the keystore
	stepAdded     rotateStep = "added"     // new key registered on the client
	stepProven    rotateStep = "proven"    // a token was fetched with it
	stepSwitched  rotateStep = "switched"  // the profile signs with it
	stepRemoved   rotateStep = "removed"   // old key removed from the client
	stepDone      rotateStep = "done"      // old key deleted from the keystore (or kept)
)

// next says in words what the step after s does.
func (s rotateStep) next() string {
	switch s {
	case stepPlanned:
		return "generating the new key"
	case stepGenerated:
		return "registering the new key on the client"
	case stepAdded:
		return "proving a token with the new key"
	case stepProven:
		return "switching the profile to the new key"
	case stepSwitched:
		return "removing the old key from the client"
	case stepRemoved:
		return "deleting the old key from the keystore"
	}
	return "finishing"
}

// RotateOptions choose what to rotate.
type RotateOptions struct {
	// ClientID is the client whose key is rotated: "" is the profile's
	// client; the admin client's id rotates the admin key.
	ClientID string
	Bits     int  // of the new key; 0 means 2048
	KeepOld  bool // keep the old private key in the keystore
	Progress Progress

	// failAfter makes the rotation stop with errInjected right after the
	// step is saved: the tests' way to interrupt it at every point.
	failAfter rotateStep
}

var errInjected = errors.New("injected failure")

// Rotation is a rotation's progress as saved between runs; RotateKey
// returns it when done.
type Rotation struct {
	ClientID   string     `json:"client_id"`
	Admin      bool       `json:"admin,omitempty"` // the admin client's key
	OldKey     string     `json:"old_key"`
	OldKID     string     `json:"old_kid"`
	NewKey     string     `json:"new_key"`
	NewKID     string     `json:"new_kid,omitempty"`
	NewExpires *time.Time `json:"new_expires,omitempty"`
	Bits       int        `json:"bits,omitempty"`
	KeepOld    bool       `json:"keep_old,omitempty"`
	// OldKeyUsedBy says who still uses the old key, when it was kept in
	// the keystore for that reason.
	OldKeyUsedBy string     `json:"old_key_used_by,omitempty"`
	Step         rotateStep `json:"step"`
	Started      time.Time  `json:"started"`
	// Resumed is set when this run finished a rotation an earlier one began.
	Resumed bool `json:"resumed,omitempty"`
}

// NextStep says in words what the rotation does next, e.g. "proving a
// token with the new key".
func (st *Rotation) NextStep() string { return st.Step.next() }

// RotateKey rotates the key of a client, or finishes the rotation an
// earlier run left unfinished. On failure the error is a *RotationError
// that says where it stopped and which key still works.
func (r *Runtime) RotateKey(ctx context.Context, api *selfservice.API, o RotateOptions) (*Rotation, error) {
	release, err := r.lockRotation()
	if err != nil {
		return nil, err
	}
	defer release()
	st, err := r.PendingRotation()
	if err != nil {
		return nil, err
	}
	if st != nil {
		if o.ClientID != "" && o.ClientID != st.ClientID {
			return nil, &hintError{
				msg:  fmt.Sprintf("a key rotation of client %s is not finished", st.ClientID),
				hint: "run `systembruker keys rotate` without --client-id to finish it first",
			}
		}
		if err := r.checkResumed(st); err != nil {
			return nil, err
		}
		st.Resumed = true
		o.Progress.say("Resuming the key rotation of client %s begun %s: next step is %s.",
			st.ClientID, st.Started.Local().Format("2006-01-02 15:04"), st.Step.next())
	} else {
		if st, err = r.planRotation(o); err != nil {
			return nil, err
		}
		if err := r.saveRotation(st); err != nil {
			return nil, err
		}
		if o.failAfter == stepPlanned {
			return nil, &RotationError{Rotation: *st, Err: errInjected}
		}
	}
	for st.Step != stepDone {
		if err := r.rotateStep(ctx, api, st, o.Progress); err != nil {
			return nil, &RotationError{Rotation: *st, Err: err}
		}
		if st.Step == stepDone {
			if err := os.Remove(r.rotationPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		} else if err := r.saveRotation(st); err != nil {
			return nil, &RotationError{Rotation: *st, Err: err}
		}
		if o.failAfter != "" && st.Step == o.failAfter {
			return nil, &RotationError{Rotation: *st, Err: errInjected}
		}
	}
	return st, nil
}

// planRotation finds the client, the key it signs with now and a name for
// the new key.
func (r *Runtime) planRotation(o RotateOptions) (*Rotation, error) {
	st := &Rotation{ClientID: o.ClientID, Bits: o.Bits, KeepOld: o.KeepOld, Step: stepPlanned, Started: r.Now().UTC()}
	if st.ClientID == "" {
		st.ClientID = r.Facts.ClientID
	}
	switch {
	case st.ClientID == "":
		return nil, &hintError{msg: "the profile has no Maskinporten client to rotate a key of",
			hint: "create one with `systembruker client create` or record one with `systembruker client use`"}
	case st.ClientID == r.Facts.ClientID:
		st.OldKey = r.Facts.KeyName
	case st.ClientID == r.Facts.AdminClientID:
		st.Admin, st.OldKey = true, r.Facts.AdminKey
	default:
		return nil, &hintError{msg: fmt.Sprintf("client %s is neither this profile's client nor its admin client", st.ClientID),
			hint: fmt.Sprintf("record it first with `systembruker client use %s --key NAME`", st.ClientID)}
	}
	if st.OldKey == "" {
		return nil, &hintError{msg: fmt.Sprintf("the profile has no key for client %s", st.ClientID),
			hint: fmt.Sprintf("register one with `systembruker client keys add %s --key NAME`", st.ClientID)}
	}
	old, err := r.Keys.Info(st.OldKey)
	if err != nil {
		return nil, err
	}
	if old.Certificate != nil {
		return nil, &hintError{msg: fmt.Sprintf("key %s is a virksomhetssertifikat: it is renewed with the certificate, not rotated", st.OldKey),
			hint: "import the renewed certificate with `systembruker keys import --p12`, then `systembruker admin set --key NAME`"}
	}
	st.OldKID = old.KID
	st.NewKey = r.DefaultKeyName()
	return st, nil
}

// rotateStep does the step after st.Step and advances it.
func (r *Runtime) rotateStep(ctx context.Context, api *selfservice.API, st *Rotation, p Progress) error {
	switch st.Step {
	case stepPlanned:
		info, err := r.Keys.Info(st.NewKey)
		if errors.Is(err, keystore.ErrIncomplete) {
			// A run killed while storing it: nothing uses it yet.
			if err := r.Keys.Delete(st.NewKey); err != nil {
				return err
			}
			p.say("Removed the half-stored key %s left by the interrupted run.", st.NewKey)
		}
		if err != nil {
			// Not there yet (or unreadable: Generate then says why).
			if info, err = r.Keys.Generate(st.NewKey, st.Bits); err != nil {
				return err
			}
		}
		st.NewKID = info.KID
		p.say("Generated key %s (kid %s).", st.NewKey, st.NewKID)
		st.Step = stepGenerated
	case stepGenerated:
		stored, err := r.RegisterKey(ctx, api, st.ClientID, st.NewKey)
		if err != nil {
			return err
		}
		if t := stored.Expires(); !t.IsZero() {
			t = t.UTC()
			st.NewExpires = &t
		}
		p.say("Registered key %s on client %s next to the old one.", st.NewKey, st.ClientID)
		st.Step = stepAdded
	case stepAdded:
		scopes := r.Facts.Scopes
		if st.Admin {
			scopes = []string{selfservice.ScopeRead}
		}
		if _, err := r.Prove(ctx, ProveRequest{ClientID: st.ClientID, KeyName: st.NewKey, Scopes: scopes, Progress: p}); err != nil {
			return err
		}
		p.say("Fetched a token with the new key.")
		st.Step = stepProven
	case stepProven:
		if st.Admin {
			r.Facts.AdminKey = st.NewKey
		} else {
			r.Facts.KeyName, r.Facts.KID, r.Facts.KeyExpires = st.NewKey, st.NewKID, st.NewExpires
			// The step before proved the new key with a token.
			r.markProven(st.ClientID, st.NewKID)
		}
		if err := r.SaveProfile(); err != nil {
			return err
		}
		p.say("The profile now signs with key %s.", st.NewKey)
		st.Step = stepSwitched
	case stepSwitched:
		if err := r.checkNewKeyRegistered(ctx, api, st); err != nil {
			return err
		}
		_, err := api.RemoveKey(ctx, st.ClientID, st.OldKID)
		if err != nil && !errors.Is(err, selfservice.ErrKeyNotFound) {
			return adminErr(r, err)
		}
		p.say("Removed the old key (kid %s) from client %s.", st.OldKID, st.ClientID)
		st.Step = stepRemoved
	case stepRemoved:
		if st.KeepOld {
			p.say("Kept the old key %s in the keystore (--keep-old).", st.OldKey)
		} else if err := r.deleteOldKey(st, p); err != nil {
			return err
		}
		st.Step = stepDone
	default:
		return fmt.Errorf("%s: unknown step %q: check the client's keys and the profile, then remove the file", r.rotationPath(), st.Step)
	}
	return nil
}

// RotationError says where a rotation stopped and which key still works.
type RotationError struct {
	Rotation Rotation // as saved: Step is the last finished step
	Err      error
}

func (e *RotationError) Error() string {
	return fmt.Sprintf("key rotation of client %s stopped while %s: %v", e.Rotation.ClientID, e.Rotation.Step.next(), e.Err)
}

func (e *RotationError) Unwrap() error { return e.Err }

// Hint says which key works now and how to finish.
func (e *RotationError) Hint() string {
	works := e.Rotation.OldKey
	if e.Rotation.Step == stepSwitched || e.Rotation.Step == stepRemoved || e.Rotation.Step == stepDone {
		works = e.Rotation.NewKey
	}
	h := fmt.Sprintf("client %s still works with key %s; run `systembruker keys rotate` again to finish from where it stopped", e.Rotation.ClientID, works)
	var lim *selfservice.KeyLimitError
	var hinted interface{ Hint() string }
	switch {
	case errors.As(e.Err, &lim):
		h = "remove a key as said above; " + h
	case errors.As(e.Err, &hinted) && hinted.Hint() != "":
		h = hinted.Hint() + "; " + h
	}
	return h
}
