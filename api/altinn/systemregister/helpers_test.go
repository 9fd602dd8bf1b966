package systemregister_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/api/altinn"
	"github.com/systembruker/systembruker/api/altinn/systemregister"
	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/sim"
)

// These tests talk real HTTP over TLS to the simulator, with real tokens:
// a Maskinporten token from a signed grant, exchanged at Altinn.

const (
	vendorOrg = sim.DemoVendorOrgNo
	otherOrg  = "310055433" // a seeded customer, made a vendor by asVendor
)

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaKey = k
	})
	return rsaKey
}

type simEnv struct {
	t    *testing.T
	inst *sim.Instance
}

func startSim(t *testing.T) *simEnv {
	t.Helper()
	return &simEnv{t: t, inst: simtest.Start(t, sim.Config{})}
}

// vendor is a Maskinporten client of org with scopes and the register client
// that calls Altinn with its (exchanged) token.
type vendor struct {
	clientID string
	reg      *systemregister.Client
}

// newVendor registers a Maskinporten client for org and returns a system
// register client that uses its token. With raw, the Maskinporten token is
// sent as it is (Altinn's authentication APIs accept both).
func (e *simEnv) newVendor(org string, raw bool, scopes ...string) vendor {
	e.t.Helper()
	k := testKey(e.t)
	var c struct {
		ClientID string `json:"client_id"`
	}
	simtest.Control(e.t, e.inst, http.MethodPost, "/clients", map[string]any{
		"org_no": org, "client_name": "systemregister test", "scopes": scopes,
		"keys": jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}},
	}, http.StatusCreated, &c)
	hc := e.inst.Client()
	token := func(ctx context.Context) (string, error) {
		mp := &maskinporten.Client{HTTP: hc, BaseURL: e.inst.URLs.Maskinporten}
		g := maskinporten.Grant{Audience: e.inst.URLs.Issuer, ClientID: c.ClientID, Scopes: scopes}
		tok, err := mp.Token(ctx, g, maskinporten.Signer{Key: k, KID: "k1"})
		if err != nil || raw {
			return tok.AccessToken, err
		}
		return altinn.Exchange(ctx, hc, e.inst.URLs.Altinn, tok.AccessToken)
	}
	return vendor{c.ClientID, &systemregister.Client{API: &altinn.Client{HTTP: hc, BaseURL: e.inst.URLs.Altinn, Token: token}}}
}

// asVendor grants org the system-register scope (Digdir does this for
// registered vendors).
func (e *simEnv) asVendor(org string) {
	e.t.Helper()
	simtest.Control(e.t, e.inst, http.MethodPost, "/scopes", map[string]any{
		"name": systemregister.Scope, "owner_org_no": "991825827", "allowed_integration_types": []string{"maskinporten"},
		"granted_orgs": []string{vendorOrg, org},
	}, 0, nil)
}

// newSystem is a valid system of the demo vendor named name.
func newSystem(name string, clientIDs ...string) systemregister.System {
	return systemregister.System{
		ID:     vendorOrg + "_" + name,
		Vendor: systemregister.Vendor{ID: systemregister.VendorID(vendorOrg)},
		Name:   map[string]string{"nb": "Smart Regnskap", "nn": "Smart Rekneskap", "en": "Smart Accounting"},
		Description: map[string]string{
			"nb": "Regnskap for små bedrifter", "nn": "Rekneskap for små bedrifter", "en": "Accounting for small businesses",
		},
		Rights:              []systemregister.Right{systemregister.RightFor("ske-krav-og-betalinger")},
		AccessPackages:      []systemregister.AccessPackage{{URN: systemregister.PackagePrefix + "skattegrunnlag"}},
		ClientIDs:           clientIDs,
		AllowedRedirectURLs: []string{"https://smartregnskap.example/callback"},
	}
}

func ptr[T any](v T) *T { return &v }
