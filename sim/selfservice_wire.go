package sim

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Wire shapes of Digdir's self-service API (maskinporten.md §5.4, §5.5, §6).

// ssClient is a client as the API sends it, members in the order of the
// reference's fixture. The sim keeps no lifetimes, so they are always 0
// (Digdir's "default").
type ssClient struct {
	ClientID                          string   `json:"client_id"`
	ClientName                        string   `json:"client_name"`
	Description                       string   `json:"description"`
	Scopes                            []string `json:"scopes"`
	AuthorizationLifetime             int      `json:"authorization_lifetime"`
	AccessTokenLifetime               int      `json:"access_token_lifetime"`
	RefreshTokenLifetime              int      `json:"refresh_token_lifetime"`
	RefreshTokenUsage                 string   `json:"refresh_token_usage"`
	FrontchannelLogoutSessionRequired bool     `json:"frontchannel_logout_session_required"`
	TokenEndpointAuthMethod           string   `json:"token_endpoint_auth_method"`
	GrantTypes                        []string `json:"grant_types"`
	IntegrationType                   string   `json:"integration_type"`
	ApplicationType                   string   `json:"application_type"`
	ClientOrgno                       string   `json:"client_orgno"`
	Active                            bool     `json:"active"`
	Created                           string   `json:"created"`
	LastUpdated                       string   `json:"last_updated"`
}

// The Maskinporten combination Digdir requires (§5.4).
const (
	applicationWeb    = "web"
	authPrivateKeyJWT = "private_key_jwt"
)

func ssClientOf(c *clientReg) ssClient {
	return ssClient{
		ClientID:                c.ClientID,
		ClientName:              c.ClientName,
		Description:             c.Description,
		Scopes:                  nonNil(c.Scopes),
		RefreshTokenUsage:       "ONETIME",
		TokenEndpointAuthMethod: authPrivateKeyJWT,
		GrantTypes:              []string{grantTypeJWTBearer},
		IntegrationType:         c.IntegrationType,
		ApplicationType:         applicationWeb,
		ClientOrgno:             c.OrgNo,
		Active:                  c.Active,
		Created:                 ssTime(c.Created),
		LastUpdated:             ssTime(c.LastUpdated),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ssTime formats a timestamp like Digdir's "2021-09-15T10:20:43.354+02:00".
// The sim writes UTC: same layout, and no time zone database needed.
func ssTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// ssJWK is a registered key as GET and POST .../jwks send it, members in
// the order peers saw them. use is left out, not sent empty, for a key
// stored before Digdir began to require it (2025-05-22).
type ssJWK struct {
	Kty string `json:"kty"`
	E   string `json:"e"`
	Use string `json:"use,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	Exp int64  `json:"exp"`
}

// ssJWKS is a client's key set. The state keeps no timestamps of its own
// for the set, so created and last_updated are the client's. A client
// without keys answers {"keys":[]}: what Digdir sends then is unconfirmed.
type ssJWKS struct {
	Keys        []ssJWK `json:"keys"`
	Created     string  `json:"created,omitempty"`
	LastUpdated string  `json:"last_updated,omitempty"`
}

func ssJWKSOf(c *clientReg) ssJWKS {
	out := ssJWKS{Keys: []ssJWK{}}
	for _, k := range c.Keys {
		out.Keys = append(out.Keys, ssJWK{Kty: k.Kty, E: k.E, Use: k.Use, Kid: k.Kid, Alg: k.Alg, N: k.N, Exp: k.Exp})
	}
	if len(out.Keys) > 0 {
		out.Created, out.LastUpdated = ssTime(c.Created), ssTime(c.LastUpdated)
	}
	return out
}

// ssScope is an entry of GET /scopes/all. The sim's catalogue has only
// public, active, self-contained-token scopes.
type ssScope struct {
	Name                    string   `json:"name"`
	Prefix                  string   `json:"prefix"`
	Subscope                string   `json:"subscope"`
	Description             string   `json:"description"`
	OwnerOrgno              string   `json:"owner_orgno"`
	AllowedIntegrationTypes []string `json:"allowed_integration_types"`
	AccessibleForAll        bool     `json:"accessible_for_all"`
	Visibility              string   `json:"visibility"`
	TokenType               string   `json:"token_type"`
	Active                  bool     `json:"active"`
}

func ssScopeOf(sc *scopeDef) ssScope {
	prefix, sub, _ := strings.Cut(sc.Name, ":")
	return ssScope{
		Name: sc.Name, Prefix: prefix, Subscope: sub, Description: sc.Description, OwnerOrgno: sc.OwnerOrgNo,
		AllowedIntegrationTypes: nonNil(sc.AllowedIntegrationTypes), AccessibleForAll: sc.AccessibleForAll,
		Visibility: "PUBLIC", TokenType: "SELF_CONTAINED", Active: true,
	}
}

// ssScopeAccess is an entry of GET /scopes/access/all. Digdir adds created
// and last_updated; the state does not record when access was granted, so
// the sim leaves them out rather than invent them.
type ssScopeAccess struct {
	Scope         string `json:"scope"`
	State         string `json:"state"`
	ConsumerOrgno string `json:"consumer_orgno"`
	OwnerOrgno    string `json:"owner_orgno"`
}

// ssItem is one entry of an error body's errors[].
type ssItem struct {
	ErrorMessage    string `json:"errorMessage"`
	IsFieldError    bool   `json:"isFieldError"`
	ObjectName      string `json:"objectName,omitempty"`
	FieldIdentifier string `json:"fieldIdentifier,omitempty"`
}

// Object names of field errors. "Client" is attested (§5.4); "JWKS" is
// the sim's guess for key-set errors.
const (
	objClient = "Client"
	objJWKS   = "JWKS"
)

func fieldItem(object, field, msg string) ssItem {
	return ssItem{ErrorMessage: msg, IsFieldError: true, ObjectName: object, FieldIdentifier: field}
}

// ssError is a refusal of the self-service API. Handlers return it from
// store.mutate, which passes it through unchanged.
type ssError struct {
	status int
	items  []ssItem
}

func (e *ssError) Error() string {
	msgs := make([]string, len(e.items))
	for i, it := range e.items {
		msgs[i] = it.ErrorMessage
	}
	return strings.Join(msgs, ", ")
}

// ssFailure is an error about the whole request rather than a field.
func ssFailure(status int, format string, args ...any) *ssError {
	return &ssError{status, []ssItem{{ErrorMessage: fmt.Sprintf(format, args...)}}}
}

func ssFields(object string, status int, items ...ssItem) *ssError {
	for i := range items {
		if items[i].ObjectName == "" {
			items[i].ObjectName = object
		}
	}
	return &ssError{status, items}
}

// ssErrorBody is the error body of the v1 API (§5.4): Digdir joins the
// messages into error and error_description with a leading ", ".
type ssErrorBody struct {
	Status           int      `json:"status"`
	Timestamp        string   `json:"timestamp"`
	CorrelationID    string   `json:"correlation_id"`
	Errors           []ssItem `json:"errors"`
	Error            string   `json:"error"`
	ErrorDescription string   `json:"error_description"`
}

// ssFail writes err in the self-service error format; an error that is not
// an *ssError (a failed state write) is a 500.
func (h *site) ssFail(w http.ResponseWriter, err error) {
	var e *ssError
	if !errors.As(err, &e) {
		h.logf("sim: selfservice: %v", err)
		e = ssFailure(http.StatusInternalServerError, "Internal server error")
	}
	joined := ", " + e.Error()
	writeJSON(w, e.status, ssErrorBody{
		Status:           e.status,
		Timestamp:        h.now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00"),
		CorrelationID:    traceID(),
		Errors:           e.items,
		Error:            joined,
		ErrorDescription: joined,
	})
}
