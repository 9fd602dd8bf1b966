package flows

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// SandboxAdminKeyName is the key the sandbox's admin client signs with for
// this profile.
func (r *Runtime) SandboxAdminKeyName() string { return r.ProfileName + "-sandbox-admin" }

// sandboxClient is a client as the control API's GET /sim/state lists it.
type sandboxClient struct {
	ClientID string            `json:"client_id"`
	OrgNo    string            `json:"client_orgno"`
	Admin    bool              `json:"admin"`
	Keys     []json.RawMessage `json:"keys"`
}

type sandboxState struct {
	Orgs []struct {
		OrgNo string `json:"org_no"`
		Name  string `json:"name"`
	} `json:"orgs"`
	Clients []sandboxClient `json:"clients"`
}

// bootstrapSandboxAdmin makes the embedded sandbox's seeded admin client
// usable: the simulator ships it without a key, so that no private key is
// ever shipped; this generates one in the keystore (or reuses the profile's
// earlier one), registers its public half through the control API and
// records the admin client and the demo vendor in the profile. Running it
// again re-registers the same key, which renews its expiry. It returns the
// one line to tell the user.
func (r *Runtime) bootstrapSandboxAdmin(ctx context.Context) (string, error) {
	var st sandboxState
	if err := r.sandboxControl(ctx, http.MethodGet, "/state", nil, &st); err != nil {
		return "", err
	}
	i := slices.IndexFunc(st.Clients, func(c sandboxClient) bool { return c.Admin && c.OrgNo == sim.DemoVendorOrgNo })
	if i < 0 {
		i = slices.IndexFunc(st.Clients, func(c sandboxClient) bool { return c.Admin })
	}
	if i < 0 {
		return "", errors.New("the sandbox has no admin client: its state file may be from an old version; " +
			"remove the sandbox folder under the data directory to start it afresh")
	}
	admin := st.Clients[i]
	name := r.SandboxAdminKeyName()
	info, err := r.Keys.Info(name)
	if errors.Is(err, keystore.ErrNotFound) {
		info, err = r.Keys.Generate(name, 2048)
	}
	if err != nil {
		return "", err
	}
	ours, err := r.registrable(name)
	if err != nil {
		return "", err
	}
	keys, err := withKey(admin.Keys, ours)
	if err != nil {
		return "", err
	}
	var updated struct {
		Keys []selfservice.JWK `json:"keys"`
	}
	path := "/clients/" + url.PathEscape(admin.ClientID) + "/jwks"
	if err := r.sandboxControl(ctx, http.MethodPut, path, map[string]any{"keys": keys}, &updated); err != nil {
		return "", err
	}
	for _, k := range updated.Keys {
		if k.KID == info.KID && k.Exp != 0 {
			if err := r.Keys.SetExpiry(name, k.Expires()); err != nil {
				return "", err
			}
		}
	}
	r.Facts.AdminClientID, r.Facts.AdminKey = admin.ClientID, name
	r.Facts.OrgNo = admin.OrgNo
	for _, o := range st.Orgs {
		if o.OrgNo == admin.OrgNo {
			r.Facts.OrgName = o.Name
		}
	}
	if err := r.SaveProfile(); err != nil {
		return "", err
	}
	return fmt.Sprintf("Sandbox: registered admin key %s on the admin client of %s (%s); the profile now acts for it.",
		name, r.Facts.OrgName, r.Facts.OrgNo), nil
}

// withKey adds key to a client's key set as the control API lists it:
// other profiles may share the sandbox's admin client, so their keys stay,
// except that the oldest go when the set would exceed Digdir's limit.
func withKey(have []json.RawMessage, key selfservice.JWK) ([]any, error) {
	type entry struct {
		raw json.RawMessage
		exp int64
	}
	var rest []entry
	for _, raw := range have {
		var k selfservice.JWK
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("the sandbox sent an unreadable key: %w", err)
		}
		if k.KID != key.KID {
			rest = append(rest, entry{raw, k.Exp})
		}
	}
	slices.SortFunc(rest, func(a, b entry) int { return cmp.Compare(b.exp, a.exp) }) // latest expiry first
	out := []any{key}
	for _, e := range rest {
		if len(out) == selfservice.MaxKeys {
			break
		}
		out = append(out, e.raw)
	}
	return out, nil
}

// registrable is the public JWK of a keystore key as Digdir wants it
// registered: RS256, use sig, and no x5c (which would lock the client to
// one certificate).
func (r *Runtime) registrable(keyName string) (selfservice.JWK, error) {
	pub, err := r.Keys.PublicJWK(keyName)
	if err != nil {
		return selfservice.JWK{}, err
	}
	rsaPub, ok := pub.Key.(*rsa.PublicKey)
	if !ok {
		return selfservice.JWK{}, fmt.Errorf("key %s is not an RSA key", keyName)
	}
	return selfservice.NewJWK(rsaPub, pub.KeyID), nil
}

// sandboxControl calls the embedded simulator's control API.
func (r *Runtime) sandboxControl(ctx context.Context, method, path string, in, out any) error {
	base := r.SandboxControlURL()
	if base == "" {
		return errors.New("the sandbox's control API is only reachable in the embedded sandbox")
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.HTTP().Do(req)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("sandbox: %s", e.Error)
		}
		return fmt.Errorf("sandbox: %s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
