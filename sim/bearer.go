package sim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// tokenIssuer is a token service whose access tokens a simulated API
// accepts.
type tokenIssuer struct {
	provider string // "maskinporten" or "altinn"
	issuer   string
	key      *signingKey
}

// maskinportenTokens accepts tokens from this site's Maskinporten (the
// self-service API and, per Altinn's docs, Altinn's authentication APIs).
func (h *site) maskinportenTokens() tokenIssuer {
	return tokenIssuer{"maskinporten", h.urls.Issuer, h.mpKey}
}

// altinnTokens accepts tokens from Altinn's token exchange.
func (h *site) altinnTokens() tokenIssuer {
	return tokenIssuer{"altinn", h.altinnIssuer(), h.altinnKey}
}

// caller is who a verified bearer token says is calling.
type caller struct {
	Provider string // which tokenIssuer accepted the token
	OrgNo    string // from the consumer claim: the vendor (client owner)
	ClientID string
	Scopes   []string
	Claims   map[string]json.RawMessage // all claims, for handlers that need more
}

func (c *caller) hasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// bearer verifies the request's "Authorization: Bearer" token against the
// accepted issuers: RS256 signature by the issuer's key (matched by kid),
// exact iss, exp not passed, and a valid consumer claim. Real APIs answer a
// failure with 401 and an empty body; that is left to the caller.
func (h *site) bearer(r *http.Request, accept ...tokenIssuer) (*caller, bool) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, false
	}
	t, err := parseJWS(strings.TrimSpace(tok))
	if err != nil {
		return nil, false
	}
	alg, _, _ := stringMember(t.header, "alg")
	kid, _, _ := stringMember(t.header, "kid")
	iss, _, _ := stringMember(t.claims, "iss")
	for _, a := range accept {
		if alg != "RS256" || kid != a.key.kid || iss != a.issuer {
			continue
		}
		if verifyRSA(alg, &a.key.priv.PublicKey, t.signingInput, t.signature) != nil {
			return nil, false
		}
		return newCaller(a.provider, t.claims, h.now().Unix())
	}
	return nil, false
}

func newCaller(provider string, claims map[string]json.RawMessage, now int64) (*caller, bool) {
	var exp float64
	if json.Unmarshal(claims["exp"], &exp) != nil || int64(exp) <= now {
		return nil, false
	}
	var consumer orgRef
	if json.Unmarshal(claims["consumer"], &consumer) != nil || consumer.Authority != iso6523Authority {
		return nil, false
	}
	orgNo, ok := parsePrefixedOrgNo(consumer.ID)
	if !ok {
		return nil, false
	}
	scope, _, _ := stringMember(claims, "scope")
	clientID, _, _ := stringMember(claims, "client_id")
	return &caller{Provider: provider, OrgNo: orgNo, ClientID: clientID, Scopes: strings.Fields(scope), Claims: claims}, true
}
