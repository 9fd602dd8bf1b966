package sim

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
)

const (
	grantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	rarSystemUser      = "urn:altinn:systemuser"
	rarConsent         = "urn:altinn:consent"

	// accessTokenLifetime is Maskinporten's default; a real 2025 TEST token
	// had exp-iat = 120 and expires_in 119.
	accessTokenLifetime     = 120 * time.Second
	clockSkew               = 10 * time.Second // Maskinporten's tolerance on iat and exp
	defaultMaxGrantLifetime = 120 * time.Second

	// jwksMaxAge is short on purpose: an in-memory simulator makes its
	// signing key per process, and a deleted key file means new keys, so a
	// client must not trust a cached copy for long.
	jwksMaxAge = "public, max-age=300"

	maxTokenRequestBytes = 64 << 10
)

func (h *site) mountMaskinporten(mux *http.ServeMux) {
	mux.HandleFunc("GET "+prefixMaskinporten+"/.well-known/oauth-authorization-server", h.mpMetadata)
	mux.HandleFunc("GET "+prefixMaskinporten+"/jwk", h.mpJWKS)
	mux.HandleFunc("POST "+prefixMaskinporten+"/token", h.mpToken)
}

// mpMetadata is the RFC 8414 document, member for member as TEST serves it.
type mpMetadata struct {
	Issuer                                     string   `json:"issuer"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	AuthorizationDetailsTypesSupported         []string `json:"authorization_details_types_supported"`
}

func (h *site) mpMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, mpMetadata{
		Issuer:                            h.urls.Issuer,
		TokenEndpoint:                     h.urls.Maskinporten + "/token",
		JWKSURI:                           h.urls.Maskinporten + "/jwk",
		GrantTypesSupported:               []string{grantTypeJWTBearer},
		TokenEndpointAuthMethodsSupported: []string{"private_key_jwt"},
		TokenEndpointAuthSigningAlgValuesSupported: []string{"RS256", "RS384", "RS512"},
		AuthorizationDetailsTypesSupported:         []string{rarSystemUser, rarConsent},
	})
}

type jwkSet struct {
	Keys []jwk `json:"keys"`
}

func (h *site) mpJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", jwksMaxAge)
	writeJSON(w, http.StatusOK, jwkSet{Keys: []jwk{h.mpKey.publicJWK()}})
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// orgRef is an ISO 6523 party reference: {"authority":..., "ID":"0192:..."}.
type orgRef struct {
	Authority string `json:"authority"`
	ID        string `json:"ID"`
}

func orgRefFor(orgNo string) orgRef { return orgRef{iso6523Authority, prefixedOrgNo(orgNo)} }

// issuedRAR is the authorization_details element of a system user token.
// Maskinporten writes "ID" in systemuser_org (Skatteetaten's 2025 token and
// Altinn's tests); Altinn's 2024 docs show "id", so clients should read both.
type issuedRAR struct {
	Type          string   `json:"type"`
	SystemUserOrg orgRef   `json:"systemuser_org"`
	SystemUserID  []string `json:"systemuser_id"`
	SystemID      string   `json:"system_id"`
}

// accessTokenClaims are the claims of an issued token, in the order real
// tokens list them.
type accessTokenClaims struct {
	AuthorizationDetails []issuedRAR     `json:"authorization_details,omitempty"`
	Scope                string          `json:"scope"`
	Iss                  string          `json:"iss"`
	ClientAMR            string          `json:"client_amr"`
	TokenType            string          `json:"token_type"`
	Aud                  json.RawMessage `json:"aud,omitempty"` // only for a requested resource
	Pid                  string          `json:"pid,omitempty"`
	Exp                  int64           `json:"exp"`
	Iat                  int64           `json:"iat"`
	ClientID             string          `json:"client_id"`
	Jti                  string          `json:"jti"`
	Consumer             orgRef          `json:"consumer"`
}

// tokenHeader is the JOSE header of issued tokens: kid then alg, no typ.
type tokenHeader struct {
	Kid string `json:"kid"`
	Alg string `json:"alg"`
}

func (h *site) mpToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	assertion, e := readTokenForm(w, r)
	if e == nil {
		var g *grantRequest
		if g, e = h.checkGrant(assertion); e == nil {
			h.issueToken(w, g)
			return
		}
	}
	h.writeMPError(w, e)
}

func (h *site) issueToken(w http.ResponseWriter, g *grantRequest) {
	now := g.now
	claims := accessTokenClaims{
		Scope:     strings.Join(g.scopes, " "),
		Iss:       h.urls.Issuer,
		ClientAMR: g.amr,
		TokenType: "Bearer",
		Aud:       g.resource,
		Pid:       g.pid,
		Exp:       now.Add(accessTokenLifetime).Unix(),
		Iat:       now.Unix(),
		ClientID:  g.client.ClientID,
		Jti:       randomToken(32),
		Consumer:  orgRefFor(g.client.OrgNo),
	}
	if g.rar != nil {
		claims.AuthorizationDetails = []issuedRAR{*g.rar}
	}
	tok, err := h.mpKey.sign(tokenHeader{Kid: h.mpKey.kid, Alg: "RS256"}, claims)
	if err != nil {
		http.Error(w, "sim: signing failed", http.StatusInternalServerError)
		return
	}
	h.logf("sim: maskinporten: token for client %s (%s), scope %q", g.client.ClientID, g.amr, claims.Scope)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: tok,
		TokenType:   "Bearer",
		ExpiresIn:   int(accessTokenLifetime/time.Second) - 1,
		Scope:       claims.Scope,
	})
}

// readTokenForm returns the assertion of a well-formed JWT-bearer token
// request.
func readTokenForm(w http.ResponseWriter, r *http.Request) (string, *mpError) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return "", invalidRequest("", "Token request must be sent as application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		return "", invalidRequest("", "Token request body is not a valid form")
	}
	switch gt := r.PostForm["grant_type"]; {
	case len(gt) == 0:
		return "", invalidRequest("", "Missing grant_type")
	case len(gt) > 1:
		return "", invalidRequest("", "grant_type is given more than once")
	case gt[0] != grantTypeJWTBearer:
		return "", &mpError{status: http.StatusBadRequest, err: "unsupported_grant_type",
			desc: "Unsupported grant_type " + gt[0] + "; use " + grantTypeJWTBearer}
	}
	switch a := r.PostForm["assertion"]; {
	case len(a) == 0 || a[0] == "":
		return "", invalidRequest("", "Missing assertion")
	case len(a) > 1:
		return "", invalidRequest("", "assertion is given more than once")
	default:
		return a[0], nil
	}
}

// mpError is a token endpoint error.
type mpError struct {
	status int    // 400, or 403 for forbidden
	err    string // OAuth 2.0 error code
	code   string // Digdir's MP-xxx code; "" where Digdir documents none
	desc   string // without the trace id
}

func invalidRequest(code, desc string) *mpError {
	return &mpError{status: http.StatusBadRequest, err: "invalid_request", code: code, desc: desc}
}

func invalidGrant(code, desc string) *mpError {
	return &mpError{status: http.StatusBadRequest, err: "invalid_grant", code: code, desc: desc}
}

type mpErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	URI         string `json:"error_uri,omitempty"`
}

func (h *site) writeMPError(w http.ResponseWriter, e *mpError) {
	code := ""
	if e.code != "" {
		code = " " + e.code
	}
	h.logf("sim: maskinporten: %s%s: %s", e.err, code, e.desc)
	body := mpErrorBody{Error: e.err, Description: e.desc + " (trace_id: " + traceID() + ")"}
	if e.code != "" {
		body.URI = h.urls.Issuer + "errors/" + e.code
	}
	writeJSON(w, e.status, body)
}
