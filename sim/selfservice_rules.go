package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// The self-service API's rules for client and key-set bodies. Message
// texts are the sim's own: Digdir's are not documented, and clients should
// show errors[].errorMessage rather than match on it.

const maxSelfServiceBody = 1 << 20

// ssClientIn is a POST or PUT /clients body. Members the sim does not model
// (redirect_uris, sso_disabled, …) are ignored, as Spring's JSON mapping
// does by default.
type ssClientIn struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	Description             string   `json:"description"`
	Scopes                  []string `json:"scopes"`
	IntegrationType         string   `json:"integration_type"`
	ApplicationType         string   `json:"application_type"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ClientOrgno             string   `json:"client_orgno"`
	AuthorizationLifetime   int      `json:"authorization_lifetime"`
	AccessTokenLifetime     int      `json:"access_token_lifetime"`
	RefreshTokenLifetime    int      `json:"refresh_token_lifetime"`

	members map[string]json.RawMessage // to tell "absent" from "zero"
}

func (in *ssClientIn) has(member string) bool {
	_, ok := in.members[member]
	return ok
}

// readJSONObject reads a JSON object body; anything else is a 400 (415 for
// another content type).
func readJSONObject(w http.ResponseWriter, r *http.Request, what string) (map[string]json.RawMessage, []byte, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, nil, ssFailure(http.StatusUnsupportedMediaType, "Content type %q not supported: send application/json", r.Header.Get("Content-Type"))
	}
	var raw json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSelfServiceBody)).Decode(&raw); err != nil {
		return nil, nil, ssFailure(http.StatusBadRequest, "JSON parse error: %v", err)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, nil, ssFailure(http.StatusBadRequest, "JSON parse error: the body must be %s", what)
	}
	return m, raw, nil
}

func readClientBody(w http.ResponseWriter, r *http.Request) (*ssClientIn, error) {
	m, raw, err := readJSONObject(w, r, "a client object")
	if err != nil {
		return nil, err
	}
	in := &ssClientIn{members: m}
	if err := json.Unmarshal(raw, in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, ssFields(objClient, http.StatusBadRequest, fieldItem("", te.Field, "must be a JSON "+jsonKind(te.Type)))
		}
		return nil, ssFailure(http.StatusBadRequest, "JSON parse error: %v", err)
	}
	return in, nil
}

// jsonKind names a Go type's JSON kind for a message.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	}
	return "number"
}

// checkClientBody returns the field errors of a create (old nil) or of a
// full replace of old, for a client owned by orgNo.
func checkClientBody(st *stateData, in *ssClientIn, orgNo string, old *clientReg) []ssItem {
	var errs []ssItem
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldItem(objClient, field, fmt.Sprintf(format, args...)))
	}
	// Digdir's docs say to drop created and last_updated before a PUT; the
	// sim takes that to mean that they are refused, not ignored.
	for _, ro := range []string{"created", "last_updated"} {
		if in.has(ro) {
			add(ro, "is set by Digdir and must not be sent: remove it before the PUT or POST")
		}
	}
	switch {
	case old == nil && in.has("client_id"):
		add("client_id", "is assigned by Digdir when the client is created: remove it")
	case old != nil && in.has("client_id") && in.ClientID != old.ClientID:
		add("client_id", "does not match the client id in the path")
	}
	switch {
	case old != nil && in.IntegrationType != old.IntegrationType:
		add("integration_type", "cannot be changed after the client is created: it is %q", old.IntegrationType)
	case in.IntegrationType != integrationMaskinporten:
		add("integration_type", "must be %q: the simulator serves Maskinporten clients only", integrationMaskinporten)
	}
	if in.ApplicationType != applicationWeb {
		add("application_type", "must be %q for a Maskinporten client", applicationWeb)
	}
	if in.TokenEndpointAuthMethod != authPrivateKeyJWT {
		add("token_endpoint_auth_method", "must be %q for a Maskinporten client", authPrivateKeyJWT)
	}
	if !slices.Equal(in.GrantTypes, []string{grantTypeJWTBearer}) {
		add("grant_types", "must be [%q] for a Maskinporten client", grantTypeJWTBearer)
	}
	if strings.TrimSpace(in.ClientName) == "" {
		add("client_name", "must not be blank")
	}
	if in.ClientOrgno != "" && in.ClientOrgno != orgNo {
		add("client_orgno", "is %s, but the admin token is for organisation %s: only suppliers with idporten:dcr.supplier may create clients for others", in.ClientOrgno, orgNo)
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"authorization_lifetime", in.AuthorizationLifetime}, {"access_token_lifetime", in.AccessTokenLifetime}, {"refresh_token_lifetime", in.RefreshTokenLifetime}} {
		if l.v != 0 {
			// The sim's own limit: tokens always get the default lifetime.
			add(l.name, "must be 0 in the simulator, which always uses Digdir's default lifetimes")
		}
	}
	for _, msg := range checkClientScopes(st, in.Scopes, orgNo) {
		add("scopes", "%s", msg)
	}
	return errs
}

// checkClientScopes applies §6: a scope goes on a client only if it exists,
// allows Maskinporten and the org may use it.
func checkClientScopes(st *stateData, scopes []string, orgNo string) []string {
	var msgs []string
	for _, s := range dedupe(scopes) {
		def := st.Scopes[s]
		switch {
		case def == nil:
			msgs = append(msgs, fmt.Sprintf("scope %q does not exist", s))
		case !def.allowsMaskinporten():
			msgs = append(msgs, fmt.Sprintf("scope %q cannot be used by Maskinporten clients (allowed_integration_types: %s)", s, strings.Join(def.AllowedIntegrationTypes, ", ")))
		case !def.accessibleTo(orgNo):
			msgs = append(msgs, fmt.Sprintf("organisation %s has not been granted access to scope %q: ask the API owner (%s) for access", orgNo, s, def.OwnerOrgNo))
		}
	}
	return msgs
}

func dedupe(s []string) []string {
	out := []string{}
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// readKeySet reads a POST or PUT .../jwks body, {"keys":[...]}, and checks
// it with the rules the control API uses too (checkPublicJWKS): at most 5
// keys, RSA with n, e, a unique kid of [A-Za-z0-9._-], alg RS256/384/512,
// use "sig", no private members, a modulus of at least 2048 bits, and
// exp = min(the key's own exp, now + 1 year).
//
// Re-posting a key that is already there is no special case: it is stored
// afresh, so without an exp of its own it gets another year, as Digdir's
// docs say; sent with the exp Digdir gave it, it keeps that exp.
//
// Unconfirmed and chosen strictly: Digdir's refusal of keys under 2048
// bits (the onboarding UI only warned), and of an empty set (peers DELETE
// instead of posting one, so what Digdir does is unknown).
func readKeySet(w http.ResponseWriter, r *http.Request, now time.Time) ([]jwk, error) {
	m, _, err := readJSONObject(w, r, `a JSON Web Key Set {"keys":[...]}, not a bare array`)
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if json.Unmarshal(m["keys"], &raw) != nil || raw == nil {
		return nil, ssFields(objJWKS, http.StatusBadRequest, fieldItem("", "keys", `is required: send {"keys":[...]}`))
	}
	if len(raw) == 0 {
		return nil, ssFields(objJWKS, http.StatusBadRequest, fieldItem("", "keys", "must not be empty: remove all keys with DELETE on the jwks path"))
	}
	keys, err := checkPublicJWKS(raw, now)
	if err != nil {
		return nil, ssFields(objJWKS, http.StatusBadRequest, fieldItem("", "keys", err.Error()))
	}
	return keys, nil
}
