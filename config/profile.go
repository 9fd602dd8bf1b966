package config

import (
	"fmt"
	"sort"
	"time"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "default"

// File is the whole of config.json: every profile and which one is active.
type File struct {
	ActiveProfile string              `json:"active_profile,omitempty"`
	Profiles      map[string]*Profile `json:"profiles,omitempty"`

	path string
	// base is the file as this process last read or wrote it: Save writes
	// only what changed since, onto a fresh read (see file.go).
	base []byte
}

// Profile is a vendor's set-up, one section per environment, so that the same
// vendor can walk sandbox, test and prod with the same profile name.
type Profile struct {
	// Env is the environment used when --env is not given.
	Env  string                 `json:"env,omitempty"`
	Envs map[string]*EnvProfile `json:"envs,omitempty"`
}

// EnvProfile holds the non-secret facts of a set-up in one environment.
// Secrets (private keys, tokens) are never here: keys are referred to by name.
type EnvProfile struct {
	OrgNo   string `json:"org_no,omitempty"`
	OrgName string `json:"org_name,omitempty"`

	// The vendor's Maskinporten client and the key it signs grants with.
	ClientID   string     `json:"client_id,omitempty"`
	KeyName    string     `json:"key_name,omitempty"`
	KID        string     `json:"kid,omitempty"`
	Scopes     []string   `json:"scopes,omitempty"`
	KeyExpires *time.Time `json:"key_expires,omitempty"`
	// Proven is the last fresh token Maskinporten issued for a client and
	// key of this profile. It names them, so a new client or key counts as
	// unproven until a token comes for it: see IsProven.
	Proven *Proof `json:"proven,omitempty"`

	// The admin client that may call Digdir's self-service API.
	AdminClientID string `json:"admin_client_id,omitempty"`
	AdminKey      string `json:"admin_key,omitempty"`

	// The system in Altinn's system register.
	SystemID string `json:"system_id,omitempty"`

	URLs URLs `json:"urls,omitempty"`
}

// Proof is a client and key that Maskinporten issued a token for, and when.
type Proof struct {
	ClientID string    `json:"client_id"`
	KID      string    `json:"kid"`
	At       time.Time `json:"at"`
}

// IsProven reports whether the recorded client and key have been proven
// with a token: recorded alone, they may still be refused (a scope not
// granted, a key not registered, a client Digdir has not made usable yet).
func (e *EnvProfile) IsProven() bool {
	p := e.Proven
	return p != nil && e.ClientID != "" && p.ClientID == e.ClientID && p.KID == e.KID
}

// ValidProfileName checks a profile name (it becomes part of file and
// keychain names, so it is kept plain): 1 to 64 of letters, digits, '.', '_'
// and '-', starting with a letter or digit. A loop, not a regexp: this runs
// on every start, and compiling {0,63} costs more than the whole check.
func ValidProfileName(name string) error {
	ok := len(name) >= 1 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok && len(name) > 64 {
		return fmt.Errorf("a profile name is at most 64 characters; this one is %d", len(name))
	}
	if !ok {
		return fmt.Errorf("profile name %q: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)", name)
	}
	return nil
}

// Profile returns the named profile, creating it in memory if it is new.
// An empty name means the active profile.
func (f *File) Profile(name string) (*Profile, string, error) {
	if name == "" {
		name = f.ActiveProfile
	}
	if name == "" {
		name = DefaultProfile
	}
	if err := ValidProfileName(name); err != nil {
		return nil, name, err
	}
	if f.Profiles == nil {
		f.Profiles = map[string]*Profile{}
	}
	p := f.Profiles[name]
	if p == nil {
		p = &Profile{}
		f.Profiles[name] = p
	}
	return p, name, nil
}

// ProfileNames lists profiles in name order.
func (f *File) ProfileNames() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// EnvName is the environment to use: explicit wins, then the profile's, then sandbox.
func (p *Profile) EnvName(explicit string) string {
	switch {
	case explicit != "":
		return explicit
	case p.Env != "":
		return p.Env
	}
	return Sandbox
}

// For returns the profile's section for an environment, creating it if needed.
func (p *Profile) For(env string) *EnvProfile {
	if p.Envs == nil {
		p.Envs = map[string]*EnvProfile{}
	}
	e := p.Envs[env]
	if e == nil {
		e = &EnvProfile{}
		p.Envs[env] = e
	}
	return e
}
