package selfservice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Errors of AddKey and RemoveKey; test with errors.Is.
var (
	ErrKIDTaken    = errors.New("kid already registered with other key material")
	ErrKeyNotFound = errors.New("no key with that kid")
)

// KeyLimitError refuses a key that would give a client more than MaxKeys.
// Its message lists the keys and the command that removes one.
type KeyLimitError struct {
	ClientID string
	Keys     []JWK // the client's keys now
}

func (e *KeyLimitError) Error() string {
	var ks []string
	for _, k := range e.Keys {
		s := k.KID
		if t := k.Expires(); !t.IsZero() {
			s += " (expires " + t.UTC().Format("2006-01-02") + ")"
		}
		ks = append(ks, s)
	}
	return fmt.Sprintf("client %s already has %d keys, the most Digdir allows: %s; remove one first, e.g. the one that expires first: `systembruker client keys remove %s --kid %s`",
		e.ClientID, len(e.Keys), strings.Join(ks, ", "), e.ClientID, firstToExpire(e.Keys))
}

// firstToExpire proposes the key to remove. Keys without an expiry come
// last: nothing says they are stale.
func firstToExpire(keys []JWK) string {
	if len(keys) == 0 {
		return "KID"
	}
	never := func(exp int64) int64 {
		if exp == 0 {
			return math.MaxInt64
		}
		return exp
	}
	return slices.MinFunc(keys, func(a, b JWK) int { return cmp.Compare(never(a.Exp), never(b.Exp)) }).KID
}

// keyError is a message that tests as one of the sentinel errors without
// repeating its text.
type keyError struct {
	msg  string
	kind error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.kind }

// AddKey registers key on the client and returns it as stored, with the
// expiry Digdir gave it. Because a POST replaces the whole set, it reads the
// set, adds key and posts all of them; every other key goes back exactly as
// Digdir sent it, except that keys stored before 2025-05-22 without use get
// use "sig", which Digdir now requires. exp is sent back unchanged: the
// reference lists no member a POST must not carry.
//
// A key without use or alg gets "sig" and "RS256". Re-adding a key that
// is already there with the same kid and material
// changes nothing and returns the stored entry (its expiry is not renewed;
// to renew a key, ReplaceJWKS with it sent without "exp", since an "exp" that is
// sent back caps the new expiry). The same kid with other
// material is refused (ErrKIDTaken), and so is a sixth key (*KeyLimitError),
// before anything is written.
//
// Another writer between the read and the write would lose its change: the
// API offers no conditional write. Run one key change per client at a time.
func (a *API) AddKey(ctx context.Context, clientID string, key JWK) (JWK, error) {
	if err := ValidClientID(clientID); err != nil {
		return JWK{}, err
	}
	if key.Use == "" {
		key.Use = "sig"
	}
	if key.Alg == "" {
		key.Alg = "RS256"
	}
	if err := key.checkNew(); err != nil {
		return JWK{}, err
	}
	cur, err := a.GetJWKS(ctx, clientID)
	if err != nil {
		return JWK{}, err
	}
	if old, ok := cur.Find(key.KID); ok {
		if sameMaterial(old, key) {
			return old, nil
		}
		return JWK{}, &keyError{fmt.Sprintf("client %s already has a different key with kid %s: give the new key another kid, or remove the old one first with `systembruker client keys remove %s --kid %s`", clientID, key.KID, clientID, key.KID), ErrKIDTaken}
	}
	if len(cur.Keys)+1 > MaxKeys {
		return JWK{}, &KeyLimitError{ClientID: clientID, Keys: cur.Keys}
	}
	stored, err := a.write(ctx, clientID, append(slices.Clone(cur.Keys), key))
	if err != nil {
		return JWK{}, err
	}
	got, _ := stored.Find(key.KID) // write made sure it is there
	return got, nil
}

// RemoveKey removes one key from the client and returns the keys left.
// The rest are posted back as Digdir sent them (plus use "sig" where
// missing); the last key is removed with DELETE, since an empty set cannot
// be posted.
func (a *API) RemoveKey(ctx context.Context, clientID, kid string) (JWKS, error) {
	if err := ValidClientID(clientID); err != nil {
		return JWKS{}, err
	}
	if err := ValidKID(kid); err != nil {
		return JWKS{}, err
	}
	cur, err := a.GetJWKS(ctx, clientID)
	if err != nil {
		return JWKS{}, err
	}
	if _, ok := cur.Find(kid); !ok {
		have := "no keys"
		if len(cur.Keys) > 0 {
			have = "keys " + strings.Join(cur.KIDs(), ", ")
		}
		return JWKS{}, &keyError{fmt.Sprintf("client %s has no key with kid %s: it has %s", clientID, kid, have), ErrKeyNotFound}
	}
	rest := slices.DeleteFunc(slices.Clone(cur.Keys), func(k JWK) bool { return k.KID == kid })
	if len(rest) == 0 {
		return JWKS{}, a.DeleteJWKS(ctx, clientID)
	}
	return a.write(ctx, clientID, rest)
}

// write posts keys as the whole set and checks that Digdir kept every one
// of them: a key missing afterwards must be reported, never passed over.
func (a *API) write(ctx context.Context, clientID string, keys []JWK) (JWKS, error) {
	stored, err := a.ReplaceJWKS(ctx, clientID, keys)
	if err != nil {
		return JWKS{}, err
	}
	var lost []string
	for _, k := range keys {
		if _, ok := stored.Find(k.KID); !ok {
			lost = append(lost, k.KID)
		}
	}
	if len(lost) > 0 {
		return stored, fmt.Errorf("self-service API: after the write, client %s lacks keys %s: check with `systembruker client keys list %s` and add them again", clientID, strings.Join(lost, ", "), clientID)
	}
	return stored, nil
}
