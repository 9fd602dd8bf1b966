package sim

import (
	"net/http"
	"strings"
	"time"
)

// Altinn's token exchange lives here rather than with the other Altinn
// handlers because it is part of getting a token: it turns a Maskinporten
// token into an Altinn token.

const (
	altinnOpenIDPath    = "/authentication/api/v1/openid/"
	altinnTokenLifetime = 30 * time.Minute // GeneralSettings.JwtValidityMinutes default
)

func (h *site) altinnIssuer() string { return h.urls.AltinnIssuer }

func (h *site) mountAltinnExchange(mux *http.ServeMux) {
	mux.HandleFunc("GET "+prefixAltinn+"/authentication/api/v1/exchange/{provider}", h.altinnExchange)
	mux.HandleFunc("GET "+prefixAltinn+altinnOpenIDPath+".well-known/openid-configuration", h.altinnOpenIDConfig)
	mux.HandleFunc("GET "+prefixAltinn+altinnOpenIDPath+".well-known/openid-configuration/jwks", h.altinnJWKS)
}

// altinnExchange answers GET /authentication/api/v1/exchange/{provider}:
// 200 with the Altinn token as plain text, 401 with an empty body for a bad
// token, 400 text for an unknown provider.
func (h *site) altinnExchange(w http.ResponseWriter, r *http.Request) {
	var accept []tokenIssuer
	switch provider := r.PathValue("provider"); strings.ToLower(provider) {
	case "maskinporten":
		accept = append(accept, h.maskinportenTokens())
	case "id-porten", "altinnstudio":
		// Valid providers, but the simulator issues no such tokens, so
		// every token fails validation.
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("Invalid token provider: " + provider))
		return
	}
	c, ok := h.bearer(r, accept...)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	tok, err := h.altinnKey.sign(altinnHeader{Alg: "RS256", Kid: h.altinnKey.kid, Typ: "JWT"}, h.exchangedClaims(c))
	if err != nil {
		http.Error(w, "sim: signing failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(tok))
}

type altinnHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// exchangedClaims keeps every Maskinporten claim except aud, iss,
// client_amr and sid, and adds Altinn's.
func (h *site) exchangedClaims(c *caller) map[string]any {
	out := make(map[string]any, len(c.Claims)+6)
	for k, v := range c.Claims {
		out[k] = v // json.RawMessage: copied byte for byte
	}
	for _, k := range []string{"aud", "iss", "client_amr", "sid"} {
		delete(out, k)
	}
	now := h.now()
	out["iss"] = h.altinnIssuer()
	out["iat"] = now.Unix()
	out["nbf"] = now.Unix()
	out["exp"] = now.Add(altinnTokenLifetime).Unix()
	out["sid"] = newUUID()
	out["urn:altinn:orgNumber"] = c.OrgNo
	out["urn:altinn:authenticatemethod"] = "maskinporten"
	out["urn:altinn:authlevel"] = 3
	return out
}

type openIDConfig struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
}

func (h *site) altinnOpenIDConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, openIDConfig{
		Issuer:                           h.altinnIssuer(),
		JWKSURI:                          h.urls.Altinn + altinnOpenIDPath + ".well-known/openid-configuration/jwks",
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
	})
}

func (h *site) altinnJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", jwksMaxAge)
	writeJSON(w, http.StatusOK, jwkSet{Keys: []jwk{h.altinnKey.publicJWK()}})
}
