package sim

import (
	"encoding/json"
	"slices"
	"time"
)

// stateVersion is bumped when the JSON layout changes incompatibly; an
// older file is then refused with a message to delete it.
const stateVersion = 1

// stateData is everything the simulated services know. It is persisted as
// JSON (see store.go) and holds public material only: no private keys, no
// tokens. Handlers get a snapshot and must treat it as read-only; changes go
// through store.mutate, which works on a copy.
//
// Maps are keyed by the record's id; encoding/json sorts map keys, so the
// file is stable between writes.
type stateData struct {
	Version     int                    `json:"version"`
	Orgs        map[string]*org        `json:"orgs"`         // by org number
	Scopes      map[string]*scopeDef   `json:"scopes"`       // by scope name
	Clients     map[string]*clientReg  `json:"clients"`      // by client_id
	TrustedCAs  []trustedCA            `json:"trusted_cas"`  // roots for x5c grants
	Systems     map[string]*system     `json:"systems"`      // by system id
	SystemUsers map[string]*systemUser `json:"system_users"` // by system user id
}

// Org roles.
const (
	roleVendor       = "vendor"
	roleCustomer     = "customer"
	roleServiceOwner = "service_owner"
)

type org struct {
	OrgNo string `json:"org_no"`
	Name  string `json:"name"`
	Role  string `json:"role"` // vendor, customer or service_owner
}

// scopeDef is a Maskinporten scope as the API owner registered it, plus the
// orgs it granted access to (Digdir's /scopes/access).
type scopeDef struct {
	Name                    string   `json:"name"`
	Description             string   `json:"description,omitempty"`
	OwnerOrgNo              string   `json:"owner_org_no"`
	AllowedIntegrationTypes []string `json:"allowed_integration_types"`
	AccessibleForAll        bool     `json:"accessible_for_all"`
	GrantedOrgs             []string `json:"granted_orgs"`
	// Sample marks invented scopes seeded for demos and tests; names follow
	// real patterns but the simulator knows nothing of the real APIs.
	Sample bool `json:"sample,omitempty"`
}

const integrationMaskinporten = "maskinporten"

func (sc *scopeDef) allowsMaskinporten() bool {
	return slices.Contains(sc.AllowedIntegrationTypes, integrationMaskinporten)
}

// accessibleTo reports whether orgNo may get tokens with this scope.
func (sc *scopeDef) accessibleTo(orgNo string) bool {
	return sc.AccessibleForAll || sc.OwnerOrgNo == orgNo || slices.Contains(sc.GrantedOrgs, orgNo)
}

// clientReg is a Maskinporten client registration.
type clientReg struct {
	ClientID        string    `json:"client_id"`
	OrgNo           string    `json:"client_orgno"`
	ClientName      string    `json:"client_name"`
	Description     string    `json:"description,omitempty"`
	Scopes          []string  `json:"scopes"`
	IntegrationType string    `json:"integration_type"`
	Active          bool      `json:"active"`
	Admin           bool      `json:"admin"` // the org's self-service admin client
	Created         time.Time `json:"created"`
	LastUpdated     time.Time `json:"last_updated"`
	Keys            []jwk     `json:"keys"` // public keys only, each with exp
}

func (c *clientReg) key(kid string) (jwk, bool) {
	for _, k := range c.Keys {
		if k.Kid == kid {
			return k, true
		}
	}
	return jwk{}, false
}

// trustedCA is a root that x5c (virksomhetssertifikat) grants may chain to.
type trustedCA struct {
	Subject string    `json:"subject"`
	PEM     string    `json:"pem"` // one CERTIFICATE block
	Added   time.Time `json:"added"`
}

// system is a system in Altinn's system register. Systems made through the
// control API have only the first five fields and are visible.
type system struct {
	ID          string    `json:"id"` // {vendor org no}_{name}
	VendorOrgNo string    `json:"vendor_org_no"`
	ClientIDs   []string  `json:"client_ids"`
	IsDeleted   bool      `json:"is_deleted"`
	Created     time.Time `json:"created"`

	InternalID     string            `json:"internal_id,omitempty"` // the GUID create answers with
	Name           map[string]string `json:"name,omitempty"`
	Description    map[string]string `json:"description,omitempty"`
	Rights         []wireRight       `json:"rights,omitempty"`
	AccessPackages []wirePackage     `json:"access_packages,omitempty"`
	RedirectURLs   []string          `json:"redirect_urls,omitempty"`
	Hidden         bool              `json:"hidden,omitempty"` // isVisible false
	Updated        time.Time         `json:"updated,omitzero"`
}

// System user types.
const (
	systemUserStandard = "standard"
	systemUserAgent    = "agent"
)

// systemUser is an approved system user: the party (customer, or the
// facilitator for agent system users) lets the system act for it.
type systemUser struct {
	ID          string    `json:"id"` // UUID
	SystemID    string    `json:"system_id"`
	PartyOrgNo  string    `json:"party_org_no"`
	ExternalRef string    `json:"external_ref"` // defaults to PartyOrgNo
	Type        string    `json:"type"`         // standard or agent
	IsDeleted   bool      `json:"is_deleted"`
	Created     time.Time `json:"created"`
}

// systemForClient returns the live system whose clientId list holds
// clientID; Altinn lets a client id belong to one live system only.
func (st *stateData) systemForClient(clientID string) *system {
	for _, sys := range st.Systems {
		if !sys.IsDeleted && slices.Contains(sys.ClientIDs, clientID) {
			return sys
		}
	}
	return nil
}

// systemUsersFor returns the live system users of systemID owned by orgNo,
// whatever their externalRef.
func (st *stateData) systemUsersFor(systemID, orgNo string) []*systemUser {
	var out []*systemUser
	for _, su := range st.SystemUsers {
		if !su.IsDeleted && su.SystemID == systemID && su.PartyOrgNo == orgNo {
			out = append(out, su)
		}
	}
	return out
}

// clone returns a deep copy, so that a mutation can fail half-way without
// touching the snapshot readers hold.
func (st *stateData) clone() *stateData {
	b, err := json.Marshal(st)
	if err != nil {
		panic("sim: state does not marshal: " + err.Error()) // only plain data inside
	}
	out := new(stateData)
	if err := json.Unmarshal(b, out); err != nil {
		panic("sim: state does not round-trip: " + err.Error())
	}
	out.fillMaps()
	return out
}

// fillMaps makes nil maps empty, so that handlers can write to them.
func (st *stateData) fillMaps() {
	if st.Orgs == nil {
		st.Orgs = map[string]*org{}
	}
	if st.Scopes == nil {
		st.Scopes = map[string]*scopeDef{}
	}
	if st.Clients == nil {
		st.Clients = map[string]*clientReg{}
	}
	if st.Systems == nil {
		st.Systems = map[string]*system{}
	}
	if st.SystemUsers == nil {
		st.SystemUsers = map[string]*systemUser{}
	}
}
