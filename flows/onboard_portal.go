package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

// The portal path: for vendors without an admin client, the client is made
// by hand in Digdir's self-service portal. systembruker makes the key,
// gives the exact steps and the text to paste, then takes the client id
// back (AcceptClientID) and proves it with a token.

// PortalRequest is what the vendor will create in the portal.
type PortalRequest struct {
	Name        string
	Description string
	Scopes      []string // service-owner scopes, on top of the system-user ones
	Delegation  bool
	// KeyName is the key to register: an existing one is reused, a new
	// name (or "" for the default name) is generated with Bits.
	KeyName string
	Bits    int
}

// PortalGuide is everything the vendor needs in the portal.
type PortalGuide struct {
	Env         string   `json:"env"`
	URL         string   `json:"url"`
	Sandbox     bool     `json:"sandbox"`  // no web portal
	Embedded    bool     `json:"embedded"` // the embedded sandbox: SandboxPortal plays the portal
	OrgNo       string   `json:"org_no,omitempty"`
	OrgName     string   `json:"org_name,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Scopes      []string `json:"scopes"`
	KeyName     string   `json:"key_name"`
	KID         string   `json:"kid"`
	// Paste is the public key as the portal's key field takes it: a JSON
	// array holding the one JWK. JWKS is the same key as a JWK Set.
	Paste string   `json:"paste"`
	JWKS  string   `json:"jwks"`
	Steps []string `json:"steps"`
}

// PreparePortal makes (or reuses) the key, records it and the proposed
// scopes in the profile, and returns the portal steps.
func (r *Runtime) PreparePortal(req PortalRequest) (*PortalGuide, error) {
	spec := ClientSpec{Name: req.Name, Description: req.Description, Scopes: req.Scopes, Delegation: req.Delegation}
	if err := r.checkSpec(spec); err != nil {
		return nil, err
	}
	info, err := r.portalKey(req.KeyName, req.Bits)
	if err != nil {
		return nil, err
	}
	key, err := r.PortalKey(info.Name)
	if err != nil {
		return nil, err
	}
	c := spec.Proposal()
	r.Facts.KeyName, r.Facts.KID, r.Facts.KeyExpires = info.Name, info.KID, nil
	r.Facts.Scopes = slices.Clone(c.Scopes)
	if err := r.SaveProfile(); err != nil {
		return nil, err
	}
	g := &PortalGuide{
		Env: r.Env.Name, URL: r.Env.PortalURL, Sandbox: r.Env.Name == config.Sandbox, Embedded: r.Env.Embedded,
		OrgNo: r.Facts.OrgNo, OrgName: r.Facts.OrgName,
		Name: c.ClientName, Description: c.Description, Scopes: c.Scopes,
		KeyName: info.Name, KID: info.KID, Paste: key.Paste, JWKS: key.JWKS,
	}
	g.Steps = g.steps()
	for i, step := range g.Steps {
		g.Steps[i] = r.CommandFlags().Apply(step)
	}
	return g, nil
}

// PortalKeyText is a key's public half as Digdir's self-service portal
// takes it. Paste is for the portal's "JWK or PEM format" field: a JSON
// array holding the one JWK, with the members the self-service API
// requires (kty, kid, use "sig", alg, n, e) and nothing else. JWKS is the
// same key as a JWK Set ({"keys": [...]}), for a file.
type PortalKeyText struct{ Paste, JWKS string }

// PortalKey gives the key's portal text. The Keys screen and the portal
// step both show it, so the same key never looks two ways.
func (r *Runtime) PortalKey(name string) (PortalKeyText, error) {
	jwk, err := r.registrable(name)
	if err != nil {
		return PortalKeyText{}, err
	}
	paste, err := json.MarshalIndent([]selfservice.JWK{jwk}, "", "  ")
	if err != nil {
		return PortalKeyText{}, err
	}
	jwks, err := json.MarshalIndent(map[string]any{"keys": []selfservice.JWK{jwk}}, "", "  ")
	if err != nil {
		return PortalKeyText{}, err
	}
	return PortalKeyText{Paste: string(paste), JWKS: string(jwks)}, nil
}

func (r *Runtime) portalKey(name string, bits int) (keystore.Info, error) {
	if name != "" {
		info, err := r.Keys.Info(name)
		if !errors.Is(err, keystore.ErrNotFound) {
			return info, err
		}
	}
	return r.GenerateKey(name, bits)
}

func (g *PortalGuide) steps() []string {
	if g.Sandbox && !g.Embedded {
		return []string{
			"This sandbox is a standalone simulator (sim serve) with no web portal: create the client through its " +
				"control API (POST /sim/clients with the JWKS below), as your own tests would, and paste its client_id.",
		}
	}
	if g.Sandbox {
		return []string{
			"The sandbox has no web portal: systembruker plays Digdir's portal and creates the client for you, " +
				"as the steps in test and production would.",
		}
	}
	login := "Open " + g.URL + " and log in. In test, any user tied to your organisation's e-mail domain can; " +
		"synthetic organisations (Tenor) are chosen in the organisation menu."
	if g.Env == config.Prod {
		login = "Open " + g.URL + " and log in. You need the Altinn right \"Selvbetjening av integrasjoner i ID-porten/Maskinporten\" " +
			"for the organisation; its hovedadministrator can delegate it to you in Altinn."
	}
	org := "Check that the organisation you represent (shown at the top right) is the one the client is for."
	if g.OrgNo != "" {
		org = fmt.Sprintf("Check that the organisation you represent (shown at the top right) is %s.", orgLabel(g.OrgName, g.OrgNo))
	}
	return []string{
		login,
		org,
		`Choose "Create client", then "Maskinporten".`,
		fmt.Sprintf(`Fill in the display name %q, the description %q and these scopes: %s. Then choose "Create".`,
			g.Name, g.Description, strings.Join(g.Scopes, ", ")),
		`On the client's page, go to the key section and choose "Add". Paste the key below into the "JWK or PEM format" field ` +
			`and choose "Save". (If the field does not take the surrounding [ and ], paste the key without them.)`,
		fmt.Sprintf("Copy the client id (Klient-ID) from the client's page and paste it here, or run "+
			"`systembruker client use CLIENT_ID --key %s`.", g.KeyName),
		"A new client or key can take minutes (up to 10) before Maskinporten accepts it; systembruker keeps trying for a while when it checks.",
	}
}

func orgLabel(name, no string) string {
	if name == "" {
		return no
	}
	return name + " (" + no + ")"
}

// SandboxPortal plays Digdir's portal in the embedded sandbox: it creates
// the client of g, with its key, through the simulator's control API, as a
// vendor would by hand, and returns the client id to accept.
func (r *Runtime) SandboxPortal(ctx context.Context, g *PortalGuide) (string, error) {
	if err := r.Connect(); err != nil {
		return "", err
	}
	jwk, err := r.registrable(g.KeyName)
	if err != nil {
		return "", err
	}
	var created struct {
		ClientID string `json:"client_id"`
	}
	err = r.sandboxControl(ctx, "POST", "/clients", map[string]any{
		"org_no": sim.DemoVendorOrgNo, "client_name": g.Name, "description": g.Description,
		"scopes": g.Scopes, "keys": map[string]any{"keys": []selfservice.JWK{jwk}},
	}, &created)
	if err != nil {
		return "", err
	}
	if r.Facts.OrgNo != sim.DemoVendorOrgNo {
		r.Facts.OrgNo, r.Facts.OrgName = SandboxVendorOrgNo, SandboxVendorOrgName
		if err := r.SaveProfile(); err != nil {
			return "", err
		}
	}
	return created.ClientID, nil
}

// UseClientRequest records a client made elsewhere (the portal).
type UseClientRequest struct {
	ClientID string
	KeyName  string   // "" means the profile's key
	Scopes   []string // none means the profile's, else the system-user scopes
	// X5C: the client has the key's virksomhetssertifikat, not its JWK, so
	// grants carry the certificate chain.
	X5C      bool
	Progress Progress
}

// AcceptClientID takes the client id pasted back from the portal: it checks
// its form (with a specific message for a pasted kid, key, token or URL),
// records it with the key and scopes PreparePortal recorded, and proves it
// with a token.
func (r *Runtime) AcceptClientID(ctx context.Context, id string, progress Progress) (*TokenResult, error) {
	return r.UseClient(ctx, UseClientRequest{ClientID: id, Progress: progress})
}

// UseClient records an existing client with the key it has registered and
// proves the pair with a token. The facts are saved before the proof, so a
// client that Maskinporten does not know yet is not lost: `systembruker
// token` works once it does.
func (r *Runtime) UseClient(ctx context.Context, req UseClientRequest) (*TokenResult, error) {
	id := strings.TrimSpace(req.ClientID)
	if err := selfservice.ValidClientID(id); err != nil {
		return nil, err
	}
	if req.KeyName == "" {
		req.KeyName = r.Facts.KeyName
	}
	if req.KeyName == "" {
		return nil, errors.New("which key did you register on the client? give it with --key NAME (see `systembruker keys list`)")
	}
	info, err := r.Keys.Info(req.KeyName)
	if err != nil {
		return nil, err
	}
	scopes := req.Scopes
	// The profile's scopes are this client's when it is the recorded one,
	// or PreparePortal's proposal when no client is recorded yet.
	if len(scopes) == 0 && (id == r.Facts.ClientID || r.Facts.ClientID == "") {
		scopes = r.Facts.Scopes
	}
	if req.X5C && info.Certificate == nil {
		return nil, fmt.Errorf("key %s has no certificate to sign with (x5c): import the virksomhetssertifikat with `systembruker keys import --p12`", info.Name)
	}
	exp, fromDigdir, err := r.registeredExpiry(ctx, id, info, req.X5C, &scopes, req.Progress)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		scopes = slices.Clone(SystemUserScopes)
	}
	if fromDigdir || info.Expires == nil {
		if err := r.Keys.SetExpiry(info.Name, exp); err != nil {
			return nil, err
		}
	}
	t := exp.UTC()
	r.Facts.ClientID, r.Facts.KeyName, r.Facts.KID, r.Facts.Scopes, r.Facts.KeyExpires = id, info.Name, info.KID, scopes, &t
	if err := r.SaveProfile(); err != nil {
		return nil, err
	}
	return r.Prove(ctx, ProveRequest{ClientID: id, KeyName: info.Name, Scopes: scopes, X5C: req.X5C, Progress: req.Progress})
}

// registeredExpiry finds when Digdir expires the key on the client. With
// an admin client (or the sandbox's) it reads the client's keys, checks
// that the key is there, and fills in the client's scopes when none were
// given. Without one it estimates: Digdir keeps a key a year from its
// upload, which came after the key was made, so creation plus a year errs
// early and the expiry warning comes in time.
func (r *Runtime) registeredExpiry(ctx context.Context, id string, info keystore.Info, x5c bool, scopes *[]string, progress Progress) (time.Time, bool, error) {
	estimate := info.Created.Add(365 * 24 * time.Hour)
	if info.Expires != nil && info.Expires.Before(estimate) {
		estimate = *info.Expires
	}
	if err := r.Connect(); err != nil {
		return time.Time{}, false, err
	}
	if r.Facts.AdminClientID == "" && r.SandboxControlURL() == "" {
		return estimate, false, nil
	}
	api, err := r.SelfService(ctx, progress)
	if err != nil {
		progress.say("Could not read the client's keys with the admin client (%v); assuming the key expires a year after it was made.", err)
		return estimate, false, nil
	}
	c, err := api.GetClient(ctx, id)
	if err != nil {
		return time.Time{}, false, adminErr(r, err)
	}
	if len(*scopes) == 0 {
		*scopes = slices.Clone(c.Scopes)
	}
	if x5c {
		return estimate, false, nil // no key on the client: the certificate's expiry rules
	}
	set, err := api.GetJWKS(ctx, id)
	if err != nil {
		return time.Time{}, false, adminErr(r, err)
	}
	k, ok := set.Find(info.KID)
	if !ok {
		return time.Time{}, false, &hintError{
			msg:  fmt.Sprintf("key %s (kid %s) is not registered on client %s", info.Name, info.KID, id),
			hint: fmt.Sprintf("add it in the portal (print it with `systembruker keys public %s`) or with `systembruker client keys add %s --key %s`", info.Name, id, info.Name),
		}
	}
	if k.Exp == 0 {
		return estimate, false, nil
	}
	return k.Expires(), true, nil
}

// hintError is a message with the user's next step.
type hintError struct{ msg, hint string }

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Hint() string  { return e.hint }
