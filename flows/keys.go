package flows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/readlimit"
	"github.com/systembruker/systembruker/keystore"
)

// ExpiryWarning is how early a key's coming expiry is warned about. Digdir
// keys live one year; digdirator re-registers 30 days ahead, and so do we.
const ExpiryWarning = 30 * 24 * time.Hour

// KeyStatus is a key as the user sees it in a list.
type KeyStatus struct {
	keystore.Info
	KeyUses
	InUse       bool `json:"in_use"`       // the active profile signs with it in this environment
	ExpiresSoon bool `json:"expires_soon"` // within ExpiryWarning
	Expired     bool `json:"expired"`
}

// KeyUses says where a key is in use. The keychain is shared by every
// profile and environment, so that is anywhere: each profile section that
// names it, and each unfinished rotation that involves it.
type KeyUses struct {
	Profiles  []config.KeyUse `json:"used_by,omitempty"`
	Rotations []string        `json:"unfinished_rotations,omitempty"`
}

// Any reports whether the key is in use anywhere.
func (u KeyUses) Any() bool { return len(u.Profiles)+len(u.Rotations) > 0 }

// Prod reports whether production uses the key.
func (u KeyUses) Prod() bool {
	return config.UsesProd(u.Profiles) || slices.ContainsFunc(u.Rotations, func(s string) bool {
		return strings.HasSuffix(s, " in "+config.Prod)
	})
}

// Describe lists the uses in words, e.g. "profile acme in prod (signing
// key), the unfinished key rotation of profile acme in test".
func (u KeyUses) Describe() string {
	var parts []string
	for _, p := range u.Profiles {
		parts = append(parts, p.String())
	}
	for _, r := range u.Rotations {
		parts = append(parts, "the unfinished key rotation of "+r)
	}
	return strings.Join(parts, ", ")
}

// KeyUses says where the key is in use, as far as this command knows (the
// profile file as it read it and the saved rotations).
func (r *Runtime) KeyUses(name string) (KeyUses, error) {
	rots, err := r.rotationsUsing(name)
	return KeyUses{Profiles: r.Config.KeyUsers(name), Rotations: rots}, err
}

// DefaultKeyName proposes a name that says where the key belongs and when
// it was made, so that rotated keys sort and read well in `keys list`.
func (r *Runtime) DefaultKeyName() string {
	base := fmt.Sprintf("%s-%s-%s", r.ProfileName, r.Env.Name, r.Now().UTC().Format("20060102"))
	name := base
	for i := 2; ; i++ {
		if _, err := r.Keys.Info(name); errors.Is(err, keystore.ErrNotFound) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// GenerateKey makes a new RSA key pair in the keystore. An empty name gets
// DefaultKeyName.
func (r *Runtime) GenerateKey(name string, bits int) (keystore.Info, error) {
	if name == "" {
		name = r.DefaultKeyName()
	}
	return r.Keys.Generate(name, bits)
}

// KeyFormat is the format of an imported key file.
type KeyFormat string

const (
	FormatPEM KeyFormat = "pem"
	FormatJWK KeyFormat = "jwk"
	FormatP12 KeyFormat = "p12"
)

// MaxKeyFile bounds a key file: a PEM, JWK or .p12 with its chain is a few
// kB, so anything past 1 MiB is the wrong file (or /dev/zero).
const MaxKeyFile = 1 << 20

// ImportKey reads a key file and stores it. password is for .p12 only.
func (r *Runtime) ImportKey(name string, format KeyFormat, path string, password string) (keystore.Info, error) {
	data, err := readlimit.File(path, MaxKeyFile, "the key file")
	if errors.Is(err, readlimit.ErrTooLarge) {
		return keystore.Info{}, fmt.Errorf("%s: %w: a PEM, JWK or .p12 is a few kB; check the file name", path, err)
	}
	if err != nil {
		return keystore.Info{}, fmt.Errorf("read %s: %w", path, err)
	}
	switch format {
	case FormatPEM:
		return r.Keys.ImportPEM(name, data)
	case FormatJWK:
		return r.Keys.ImportJWK(name, data)
	case FormatP12:
		info, err := r.Keys.ImportP12(name, data, password)
		if err != nil {
			return info, fmt.Errorf("%s: %w", path, err)
		}
		return info, nil
	}
	return keystore.Info{}, fmt.Errorf("unknown key format %q: use pem, jwk or p12", format)
}

// ListKeys returns every key with its use and expiry state. Keys that
// cannot be used are listed too, with their Problem.
func (r *Runtime) ListKeys() ([]KeyStatus, error) {
	infos, err := r.Keys.List()
	if err != nil {
		return nil, err
	}
	now := r.Now()
	out := make([]KeyStatus, 0, len(infos))
	for _, in := range infos {
		ks, err := r.keyStatus(in, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ks)
	}
	return out, nil
}

func (r *Runtime) keyStatus(in keystore.Info, now time.Time) (KeyStatus, error) {
	uses, err := r.KeyUses(in.Name)
	ks := KeyStatus{Info: in, KeyUses: uses, InUse: in.Name == r.Facts.KeyName || in.Name == r.Facts.AdminKey}
	if in.Expires != nil {
		ks.Expired = !now.Before(*in.Expires)
		ks.ExpiresSoon = !ks.Expired && in.Expires.Sub(now) < ExpiryWarning
	}
	return ks, err
}

// ExpiringKeys lists the keys in use that have expired or expire soon: the
// wizard and `keys list` warn about them on every run.
func (r *Runtime) ExpiringKeys() ([]KeyStatus, error) {
	all, err := r.ListKeys()
	if err != nil {
		return nil, err
	}
	var out []KeyStatus
	for _, k := range all {
		if k.Expired || k.ExpiresSoon {
			out = append(out, k)
		}
	}
	return out, nil
}

// KeyInUseError refuses to delete a key in use without --force or its
// name typed.
type KeyInUseError struct {
	Name string
	Uses KeyUses
}

func (e *KeyInUseError) Error() string {
	return fmt.Sprintf("key %s is in use: by %s", e.Name, e.Uses.Describe())
}

// Hint is the next step.
func (e *KeyInUseError) Hint() string {
	return "to replace it, rotate it (`systembruker keys rotate`); to delete it anyway, type its name when asked " +
		"on a terminal, or pass --force"
}

// DeleteKey removes a key from the keystore and every profile section that
// names it. A key in use anywhere is kept unless force is set, because
// deleting it breaks token fetching there. The check and the delete happen
// under the profile file's lock, on its current content, so a command that
// starts using the key meanwhile is either seen or refused.
func (r *Runtime) DeleteKey(name string, force bool) error {
	rots, err := r.rotationsUsing(name)
	if err != nil {
		return err
	}
	return r.Config.SaveChecked(func(_, merged *config.File) error {
		uses := KeyUses{Profiles: merged.KeyUsers(name), Rotations: rots}
		if uses.Any() && !force {
			return &KeyInUseError{Name: name, Uses: uses}
		}
		if err := r.Keys.Delete(name); err != nil {
			return err
		}
		merged.ForgetKey(name)
		r.Config.ForgetKey(name) // and in memory, for what this command shows next
		return nil
	})
}

// PublicJWKS returns the public half of a key as a JWKS, ready to paste into
// Digdir's self-service portal.
func (r *Runtime) PublicJWKS(name string) (jose.JSONWebKeySet, error) {
	k, err := r.Keys.PublicJWK(name)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}}, nil
}
