package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Client is a client registration as the self-service API sends it.
// Members the type does not model are kept and sent back, so GET → modify
// → UpdateClient never drops what Digdir sent. Created and LastUpdated are
// read-only.
type Client struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	Description             string   `json:"description"`
	Scopes                  []string `json:"scopes"`
	IntegrationType         string   `json:"integration_type"` // immutable after creation
	ApplicationType         string   `json:"application_type"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ClientOrgno             string   `json:"client_orgno"`   // legal owner, from the admin token
	SupplierOrgno           string   `json:"supplier_orgno"` // set by Digdir for supplier-made clients
	Active                  bool     `json:"active"`
	JWKSURI                 string   `json:"jwks_uri"`
	AccessTokenLifetime     int      `json:"access_token_lifetime"` // seconds; 0 means Digdir's default

	Created     time.Time `json:"-"`
	LastUpdated time.Time `json:"-"`

	received object
}

// Values of the Maskinporten combination Digdir requires.
const (
	IntegrationMaskinporten = "maskinporten"
	ApplicationWeb          = "web"
	AuthPrivateKeyJWT       = "private_key_jwt"
	GrantJWTBearer          = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// NewMaskinportenClient is the minimal create body for a Maskinporten
// client authenticated with a registered key.
func NewMaskinportenClient(name, description string, scopes []string) Client {
	return Client{
		IntegrationType:         IntegrationMaskinporten,
		ApplicationType:         ApplicationWeb,
		ClientName:              name,
		Description:             description,
		TokenEndpointAuthMethod: AuthPrivateKeyJWT,
		GrantTypes:              []string{GrantJWTBearer},
		Scopes:                  scopes,
	}
}

// clientFields is Client without its JSON methods.
type clientFields Client

func (c Client) members() (object, error) { return merge(clientFields(c), c.received) }

// MarshalJSON writes the received members updated with the fields.
func (c Client) MarshalJSON() ([]byte, error) {
	m, err := c.members()
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a client and keeps every member as received.
func (c *Client) UnmarshalJSON(b []byte) error {
	var f clientFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &f.received); err != nil {
		return err
	}
	f.Created = parseTime(f.received["created"])
	f.LastUpdated = parseTime(f.received["last_updated"])
	*c = Client(f)
	return nil
}

// ListClients lists the organisation's active clients.
func (a *API) ListClients(ctx context.Context) ([]Client, error) {
	var cs []Client
	err := a.do(ctx, http.MethodGet, "/clients", nil, nil, &cs)
	return cs, err
}

// GetClient reads one client. A client of another organisation is a 404
// or 403 *Error.
func (a *API) GetClient(ctx context.Context, id string) (Client, error) {
	p, err := clientPath(id, "")
	if err != nil {
		return Client{}, err
	}
	var c Client
	err = a.do(ctx, http.MethodGet, p, nil, nil, &c)
	return c, err
}

// CreateClient registers c and returns it as stored, with its new client
// id. Any 2xx is success: whether Digdir answers 200 or 201 is unconfirmed.
func (a *API) CreateClient(ctx context.Context, c Client) (Client, error) {
	if c.ClientID != "" {
		return Client{}, fmt.Errorf("creating a client: it already has client id %s: update it instead", c.ClientID)
	}
	var out Client
	if err := a.do(ctx, http.MethodPost, "/clients", nil, c, &out); err != nil {
		return Client{}, err
	}
	if out.ClientID == "" {
		// Retrying could make a second client, so say where to look.
		return Client{}, fmt.Errorf("self-service API: the client was probably created, but the answer has no client id: find it with `systembruker client list` before trying again")
	}
	return out, nil
}

// UpdateClient replaces the client with c (PUT of the full object, as
// Digdir's docs prescribe: read it, change it, send it back without created
// and last_updated). It returns the client as stored.
func (a *API) UpdateClient(ctx context.Context, c Client) (Client, error) {
	p, err := clientPath(c.ClientID, "")
	if err != nil {
		return Client{}, err
	}
	m, err := c.members()
	if err != nil {
		return Client{}, err
	}
	delete(m, "created")
	delete(m, "last_updated")
	var out Client
	if err := a.do(ctx, http.MethodPut, p, nil, m, &out); err != nil {
		return Client{}, err
	}
	if out.ClientID == "" {
		return c, nil // a 2xx without a body: what was sent is what is stored
	}
	return out, nil
}

// DeleteClient deactivates the client. Digdir never deletes for good; the
// client stops working and is hidden from ListClients.
func (a *API) DeleteClient(ctx context.Context, id string) error {
	p, err := clientPath(id, "")
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodDelete, p, nil, nil, nil)
}
