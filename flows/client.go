package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/keystore"
)

// ClientSpec is a Maskinporten client to create.
type ClientSpec struct {
	Name        string
	Description string   // "" gets a description naming systembruker
	Scopes      []string // service-owner scopes, on top of the system-user ones
	Delegation  bool     // also the client-delegation scopes
	KeyName     string   // key to register on the client; "" registers none
}

// Proposal is the client that CreateClient registers, for showing before
// anything is written.
func (s ClientSpec) Proposal() selfservice.Client {
	desc := strings.TrimSpace(s.Description)
	if desc == "" {
		desc = "Maskinporten client of " + strings.TrimSpace(s.Name) + ", set up with systembruker"
	}
	return selfservice.NewMaskinportenClient(strings.TrimSpace(s.Name), desc, ProposedScopes(s.Delegation, s.Scopes))
}

// checkSpec refuses a spec before any call is made.
func (r *Runtime) checkSpec(s ClientSpec) error {
	if strings.TrimSpace(s.Name) == "" {
		return errors.New("the client needs a name: give it with --name (Digdir shows it as the display name)")
	}
	if err := checkText("the client name", s.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("the client description", s.Description, MaxDescriptionLen); err != nil {
		return err
	}
	if err := maskinporten.CheckScopes(s.Scopes); err != nil {
		return err
	}
	if s.KeyName != "" {
		if _, err := r.Keys.Info(s.KeyName); err != nil {
			return err
		}
	}
	return nil
}

// checkScopes refuses service-owner scopes the organisation may not use
// before the client is sent. When the list cannot be read, Digdir's answer
// to the create call decides instead.
func (r *Runtime) checkScopes(ctx context.Context, api *selfservice.API, scopes []string) error {
	if len(scopes) == 0 {
		return nil
	}
	available, err := r.AvailableScopes(ctx, api)
	if err != nil {
		return nil
	}
	return CheckScopes(r.Env.Name, available, scopes)
}

// FindClient returns the organisation's active client named name, or nil.
// Re-running a create with the same name finds the client made the first
// time instead of making a second one.
func (r *Runtime) FindClient(ctx context.Context, api *selfservice.API, name string) (*selfservice.Client, error) {
	all, err := api.ListClients(ctx)
	if err != nil {
		return nil, adminErr(r, err)
	}
	name = strings.TrimSpace(name)
	// Prefer the profile's own client when several share the name.
	slices.SortStableFunc(all, func(a, b selfservice.Client) int {
		return boolRank(b.ClientID == r.Facts.ClientID) - boolRank(a.ClientID == r.Facts.ClientID)
	})
	for _, c := range all {
		if c.ClientName == name && c.Active {
			return &c, nil
		}
	}
	return nil, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ClientResult is what CreateClient did.
type ClientResult struct {
	Client selfservice.Client
	Reused bool             // an existing client was taken instead of making one
	Key    *selfservice.JWK // the key as registered, with Digdir's expiry; nil without a key
}

// CreateClient registers the client of spec, or takes existing (from
// FindClient) and adds the scopes it lacks; then registers spec.KeyName
// and records client id, scopes, key and its expiry in the profile. Each
// fact is saved as soon as it is known, so an interrupted run is finished
// by running it again. It does not prove the result: call Prove next.
func (r *Runtime) CreateClient(ctx context.Context, api *selfservice.API, spec ClientSpec, existing *selfservice.Client) (*ClientResult, error) {
	if err := r.checkSpec(spec); err != nil {
		return nil, err
	}
	if err := r.checkScopes(ctx, api, spec.Scopes); err != nil {
		return nil, err
	}
	want := spec.Proposal()
	res := &ClientResult{}
	if existing != nil {
		c, err := r.addMissingScopes(ctx, api, *existing, want.Scopes)
		if err != nil {
			return nil, err
		}
		res.Client, res.Reused = c, true
	} else {
		c, err := api.CreateClient(ctx, want)
		if err != nil {
			return nil, adminErr(r, err)
		}
		res.Client = c
	}
	if r.Facts.ClientID != res.Client.ClientID && spec.KeyName == "" {
		// The recorded key belonged to the previous client.
		r.Facts.KeyName, r.Facts.KID, r.Facts.KeyExpires = "", "", nil
	}
	r.Facts.ClientID, r.Facts.Scopes = res.Client.ClientID, slices.Clone(res.Client.Scopes)
	if err := r.SaveProfile(); err != nil {
		return nil, err
	}
	if spec.KeyName == "" {
		return res, nil
	}
	key, err := r.RegisterKey(ctx, api, res.Client.ClientID, spec.KeyName)
	if err != nil {
		return nil, err
	}
	res.Key = &key
	return res, r.recordKey(spec.KeyName, key)
}

// recordKey makes name, registered as stored, the profile's signing key.
func (r *Runtime) recordKey(name string, stored selfservice.JWK) error {
	info, err := r.Keys.Info(name)
	if err != nil {
		return err
	}
	r.Facts.KeyName, r.Facts.KID, r.Facts.KeyExpires = info.Name, info.KID, nil
	if t := stored.Expires(); !t.IsZero() {
		t = t.UTC()
		r.Facts.KeyExpires = &t
	}
	return r.SaveProfile()
}

// addMissingScopes updates c so that it has every scope in want.
func (r *Runtime) addMissingScopes(ctx context.Context, api *selfservice.API, c selfservice.Client, want []string) (selfservice.Client, error) {
	var missing []string
	for _, s := range want {
		if !slices.Contains(c.Scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return c, nil
	}
	c.Scopes = append(slices.Clone(c.Scopes), missing...)
	updated, err := api.UpdateClient(ctx, c)
	return updated, adminErr(r, err)
}

// RegisterKey adds a keystore key's public JWK to the client (next to its
// other keys) and records the expiry Digdir gave it, in the keystore and,
// when it is the profile's key of the profile's client, in the profile.
func (r *Runtime) RegisterKey(ctx context.Context, api *selfservice.API, clientID, keyName string) (selfservice.JWK, error) {
	jwk, err := r.registrable(keyName)
	if err != nil {
		return selfservice.JWK{}, err
	}
	stored, err := api.AddKey(ctx, clientID, jwk)
	if err != nil {
		return selfservice.JWK{}, adminErr(r, err)
	}
	return stored, r.recordExpiry(clientID, keyName, stored)
}

func (r *Runtime) recordExpiry(clientID, keyName string, stored selfservice.JWK) error {
	exp := stored.Expires()
	if exp.IsZero() {
		return nil
	}
	if err := r.Keys.SetExpiry(keyName, exp); err != nil {
		return err
	}
	if clientID == r.Facts.ClientID && keyName == r.Facts.KeyName {
		t := exp.UTC()
		r.Facts.KeyExpires = &t
		return r.SaveProfile()
	}
	return nil
}

// ProveProfile fetches a fresh token with the profile's client, key and
// scopes.
func (r *Runtime) ProveProfile(ctx context.Context, progress Progress) (*TokenResult, error) {
	if r.Facts.ClientID == "" || r.Facts.KeyName == "" {
		return nil, errors.New("the profile has no client with a key to prove yet: run `systembruker client create --key NAME` or `systembruker client use ID --key NAME`")
	}
	return r.Prove(ctx, ProveRequest{ClientID: r.Facts.ClientID, KeyName: r.Facts.KeyName,
		Scopes: r.Facts.Scopes, Progress: progress})
}

// ListClients lists the organisation's active clients.
func (r *Runtime) ListClients(ctx context.Context, api *selfservice.API) ([]selfservice.Client, error) {
	cs, err := api.ListClients(ctx)
	return cs, adminErr(r, err)
}

// GetClient reads one client.
func (r *Runtime) GetClient(ctx context.Context, api *selfservice.API, id string) (selfservice.Client, error) {
	c, err := api.GetClient(ctx, id)
	return c, adminErr(r, err)
}

// DeleteClient deactivates a client at Digdir (Digdir never deletes for
// good) and, when it is the profile's client, forgets it in the profile;
// the key stays in the keystore and can serve a new client. The admin
// client is only deleted with force: without it nothing can be managed.
func (r *Runtime) DeleteClient(ctx context.Context, api *selfservice.API, id string, force bool) (forgotten bool, err error) {
	if err := selfservice.ValidClientID(id); err != nil {
		return false, err
	}
	if id == r.Facts.AdminClientID && !force {
		return false, &InUseError{What: "client " + id + " is this profile's admin client",
			Next: "without it the self-service API cannot be used; pass --force to delete it anyway"}
	}
	if err := api.DeleteClient(ctx, id); err != nil {
		return false, adminErr(r, err)
	}
	if id != r.Facts.ClientID {
		return false, nil
	}
	r.Facts.ClientID, r.Facts.Scopes, r.Facts.KeyExpires = "", nil, nil
	return true, r.SaveProfile()
}

// InUseError refuses to remove something the profile relies on.
type InUseError struct{ What, Next string }

func (e *InUseError) Error() string { return e.What }

// Hint is the way forward.
func (e *InUseError) Hint() string { return e.Next }

// ClientKey is a key registered on a client, matched with the keystore.
type ClientKey struct {
	KID     string     `json:"kid"`
	Alg     string     `json:"alg"`
	Expires *time.Time `json:"expires,omitempty"` // Digdir's exp
	// KeyName is the keystore key with this kid, when we hold it.
	KeyName    string `json:"key_name,omitempty"`
	InKeystore bool   `json:"in_keystore"`
	// InUse: the profile signs its grants for this client with it.
	InUse bool `json:"in_use"`
}

// ClientKeys lists the client's registered keys and which of them this
// machine holds.
func (r *Runtime) ClientKeys(ctx context.Context, api *selfservice.API, id string) ([]ClientKey, error) {
	set, err := api.GetJWKS(ctx, id)
	if err != nil {
		return nil, adminErr(r, err)
	}
	infos, err := r.Keys.List()
	if err != nil {
		return nil, err
	}
	byKID := map[string]keystore.Info{}
	for _, in := range infos {
		if in.Problem == nil {
			byKID[in.KID] = in
		}
	}
	out := make([]ClientKey, 0, len(set.Keys))
	for _, k := range set.Keys {
		ck := ClientKey{KID: k.KID, Alg: k.Alg}
		if t := k.Expires(); !t.IsZero() {
			t = t.UTC()
			ck.Expires = &t
		}
		if in, ok := byKID[k.KID]; ok {
			ck.KeyName, ck.InKeystore = in.Name, true
		}
		ck.InUse = r.signingKID(id) == k.KID
		out = append(out, ck)
	}
	return out, nil
}

// signingKID is the kid the profile signs with for the client, or "".
func (r *Runtime) signingKID(clientID string) string {
	switch clientID {
	case "":
		return ""
	case r.Facts.ClientID:
		return r.Facts.KID
	case r.Facts.AdminClientID:
		if in, err := r.Keys.Info(r.Facts.AdminKey); err == nil {
			return in.KID
		}
	}
	return ""
}

// AddClientKey registers a keystore key on a client.
func (r *Runtime) AddClientKey(ctx context.Context, api *selfservice.API, id, keyName string) (selfservice.JWK, error) {
	if err := selfservice.ValidClientID(id); err != nil {
		return selfservice.JWK{}, err
	}
	return r.RegisterKey(ctx, api, id, keyName)
}

// RemoveClientKey removes one key from a client and returns the keys left.
// The key the profile signs with for that client is kept unless force:
// removing it stops the profile's tokens.
func (r *Runtime) RemoveClientKey(ctx context.Context, api *selfservice.API, id, kid string, force bool) (selfservice.JWKS, error) {
	if err := selfservice.ValidClientID(id); err != nil {
		return selfservice.JWKS{}, err
	}
	if kid != "" && kid == r.signingKID(id) && !force {
		return selfservice.JWKS{}, &InUseError{
			What: fmt.Sprintf("kid %s is the key this profile signs with for client %s", kid, id),
			Next: "rotate to a new key first with `systembruker keys rotate`, or pass --force to remove it anyway (tokens then stop working)",
		}
	}
	left, err := api.RemoveKey(ctx, id, kid)
	return left, adminErr(r, err)
}
