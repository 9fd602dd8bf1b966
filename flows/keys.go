package flows

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/keystore"
)

// ExpiryWarning is how early a key's coming expiry is warned about. Digdir
// keys live one year; digdirator re-registers 30 days ahead, and so do we.
const ExpiryWarning = 30 * 24 * time.Hour

// KeyStatus is a key as the user sees it in a list.
type KeyStatus struct {
	keystore.Info
	InUse       bool `json:"in_use"`       // the active profile signs with it in this environment
	ExpiresSoon bool `json:"expires_soon"` // within ExpiryWarning
	Expired     bool `json:"expired"`
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

// ImportKey reads a key file and stores it. password is for .p12 only.
func (r *Runtime) ImportKey(name string, format KeyFormat, path string, password string) (keystore.Info, error) {
	data, err := os.ReadFile(path)
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

// ListKeys returns every key with its use and expiry state.
func (r *Runtime) ListKeys() ([]KeyStatus, error) {
	infos, err := r.Keys.List()
	if err != nil {
		return nil, err
	}
	now := r.Now()
	out := make([]KeyStatus, 0, len(infos))
	for _, in := range infos {
		out = append(out, r.keyStatus(in, now))
	}
	return out, nil
}

func (r *Runtime) keyStatus(in keystore.Info, now time.Time) KeyStatus {
	ks := KeyStatus{Info: in, InUse: in.Name == r.Facts.KeyName || in.Name == r.Facts.AdminKey}
	if in.Expires != nil {
		ks.Expired = !now.Before(*in.Expires)
		ks.ExpiresSoon = !ks.Expired && in.Expires.Sub(now) < ExpiryWarning
	}
	return ks
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

// KeyInUseError refuses to delete a key that the profile signs with.
type KeyInUseError struct{ Name, Env string }

func (e *KeyInUseError) Error() string {
	return fmt.Sprintf("key %q is in use by this profile in %s", e.Name, e.Env)
}

// Hint is the next step.
func (e *KeyInUseError) Hint() string {
	return "rotate it first (`systembruker keys rotate`), or delete with --force if the client no longer uses it"
}

// DeleteKey removes a key from the keystore. A key the profile uses is kept
// unless force is set, because deleting it breaks token fetching.
func (r *Runtime) DeleteKey(name string, force bool) error {
	if !force && (name == r.Facts.KeyName || name == r.Facts.AdminKey) {
		return &KeyInUseError{Name: name, Env: r.Env.Name}
	}
	if err := r.Keys.Delete(name); err != nil {
		return err
	}
	changed := false
	if r.Facts.KeyName == name {
		r.Facts.KeyName, r.Facts.KID, r.Facts.KeyExpires = "", "", nil
		changed = true
	}
	if r.Facts.AdminKey == name {
		r.Facts.AdminKey = ""
		changed = true
	}
	if changed {
		return r.SaveProfile()
	}
	return nil
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
