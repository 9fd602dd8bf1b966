package sim

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// exchange calls Altinn's token exchange with tok as bearer.
func (e *testEnv) exchange(provider, tok string) (int, string, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.inst.URLs.Altinn+"/authentication/api/v1/exchange/"+provider, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

func TestTokenExchange(t *testing.T) {
	f := newGrantFixture(t, Config{})
	claims := f.grantClaims(f.keyClient, scopeVAT)
	claims["authorization_details"] = rar(customerA, nil)
	claims["resource"] = "https://platform.example/"
	a := f.token(sign(t, 0, map[string]any{"kid": "key-0"}, claims))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	mpClaims := f.verifyMPToken(a.AccessToken)

	f.clock.Advance(5 * time.Second)
	code, body, header := f.exchange("MaskinPorten", a.AccessToken) // provider is case-insensitive
	if code != http.StatusOK {
		t.Fatalf("exchange = %d %q", code, body)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}

	// Verify against the key Altinn publishes via its OpenID configuration.
	var conf struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	f.do("GET", f.inst.URLs.Altinn+"/authentication/api/v1/openid/.well-known/openid-configuration", nil, &conf)
	if want := f.inst.URLs.Altinn + "/authentication/api/v1/openid/"; conf.Issuer != want {
		t.Errorf("Altinn issuer = %q, want %q", conf.Issuer, want)
	}
	var set jose.JSONWebKeySet
	f.do("GET", conf.JWKSURI, nil, &set)
	got := verifyWith(t, body, set)

	now := f.clock.Now().Unix()
	want := map[string]any{}
	for k, v := range mpClaims {
		if k != "aud" && k != "client_amr" {
			want[k] = v
		}
	}
	want["iss"] = conf.Issuer
	want["iat"] = float64(now)
	want["nbf"] = float64(now)
	want["exp"] = float64(now + 30*60)
	want["urn:altinn:orgNumber"] = DemoVendorOrgNo
	want["urn:altinn:authenticatemethod"] = "maskinporten"
	want["urn:altinn:authlevel"] = float64(3)
	sid, _ := got["sid"].(string)
	if len(sid) != 36 {
		t.Errorf("sid = %q, want a UUID", sid)
	}
	want["sid"] = sid
	if !reflect.DeepEqual(got, want) {
		t.Errorf("exchanged claims:\n%v\nwant\n%v", got, want)
	}
}

func TestTokenExchangeRejects(t *testing.T) {
	e := newEnv(t, Config{})
	client := e.addClient([]string{scopeVAT}, 0)
	a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT)))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	// Tampered: same header and signature, a wider scope in the payload.
	head, payload, sig := splitJWS(t, a.AccessToken)
	raw, err := b64url.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	forged := head + "." + b64url.EncodeToString([]byte(strings.Replace(string(raw), scopeVAT, scopeVATSend, 1))) + "." + sig
	// A token Maskinporten never issued: right shape, signed by a client key.
	selfMade := sign(t, 0, map[string]any{"kid": decodeHeader(t, a.AccessToken)["kid"]},
		map[string]any{"iss": e.inst.URLs.Issuer, "exp": e.clock.Now().Add(time.Minute).Unix(),
			"consumer": map[string]any{"authority": iso6523Authority, "ID": "0192:" + DemoVendorOrgNo}})

	tests := []struct {
		name     string
		provider string
		token    string
		advance  time.Duration
		status   int
		body     string
	}{
		{"tampered payload", "maskinporten", forged, 0, http.StatusUnauthorized, ""},
		{"not signed by Maskinporten", "maskinporten", selfMade, 0, http.StatusUnauthorized, ""},
		{"no token", "maskinporten", "", 0, http.StatusUnauthorized, ""},
		{"wrong provider for the token", "id-porten", a.AccessToken, 0, http.StatusUnauthorized, ""},
		{"unknown provider", "bankid", a.AccessToken, 0, http.StatusBadRequest, "Invalid token provider: bankid"},
		{"expired token", "maskinporten", a.AccessToken, 121 * time.Second, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.advance)
			code, body, _ := e.exchange(tt.provider, tt.token)
			if code != tt.status || body != tt.body {
				t.Errorf("exchange = %d %q, want %d %q", code, body, tt.status, tt.body)
			}
		})
	}
}

func splitJWS(t *testing.T, tok string) (string, string, string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

// bearer is what the self-service and Altinn handlers authenticate with:
// raw Maskinporten tokens and exchanged Altinn tokens, each only where
// accepted.
func TestBearer(t *testing.T) {
	e := newEnv(t, Config{})
	client := e.addClient([]string{scopeVAT, "altinn:instances.read"}, 0)
	a := e.token(sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT+" altinn:instances.read")))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	code, altinnTok, _ := e.exchange("maskinporten", a.AccessToken)
	if code != http.StatusOK {
		t.Fatalf("exchange: %d", code)
	}
	h := &site{Server: e.srv, urls: e.inst.URLs}
	both := []tokenIssuer{h.maskinportenTokens(), h.altinnTokens()}
	tests := []struct {
		name     string
		header   string
		accept   []tokenIssuer
		provider string // "" = rejected
	}{
		{"Maskinporten token", "Bearer " + a.AccessToken, both, "maskinporten"},
		{"Altinn token", "Bearer " + altinnTok, both, "altinn"},
		{"scheme is case-insensitive", "bearer " + a.AccessToken, both, "maskinporten"},
		{"Altinn token where only Maskinporten counts", "Bearer " + altinnTok, both[:1], ""},
		{"Maskinporten token where only Altinn counts", "Bearer " + a.AccessToken, both[1:], ""},
		{"Basic auth", "Basic " + a.AccessToken, both, ""},
		{"no header", "", both, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			c, ok := h.bearer(r, tt.accept...)
			if tt.provider == "" {
				if ok {
					t.Fatalf("accepted as %s", c.Provider)
				}
				return
			}
			if !ok {
				t.Fatal("rejected")
			}
			if c.Provider != tt.provider || c.OrgNo != DemoVendorOrgNo || c.ClientID != client ||
				!c.hasScope(scopeVAT) || !c.hasScope("altinn:instances.read") || c.hasScope("altinn:instances.write") {
				t.Errorf("caller = %+v", c)
			}
		})
	}
}

// Logs name requests and errors but never carry assertions or tokens.
func TestLogsHoldNoSecrets(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	e := newEnv(t, Config{Latency: time.Millisecond, Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	client := e.addClient([]string{scopeVAT}, 0)
	good := sign(t, 0, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT))
	a := e.token(good)
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	bad := sign(t, 1, map[string]any{"kid": "key-0"}, e.grantClaims(client, scopeVAT))
	if ans := e.token(bad); ans.status != http.StatusBadRequest {
		t.Fatalf("bad grant: %d", ans.status)
	}
	code, altinnTok, _ := e.exchange("maskinporten", a.AccessToken)
	if code != http.StatusOK {
		t.Fatalf("exchange: %d", code)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(lines) < 4 {
		t.Fatalf("only %d log lines: %q", len(lines), lines)
	}
	for _, secret := range []string{good, bad, a.AccessToken, altinnTok} {
		_, payload, sig := splitJWS(t, secret)
		for _, l := range lines {
			if strings.Contains(l, payload) || strings.Contains(l, sig) {
				t.Errorf("log line carries a token or assertion: %q", l)
			}
		}
	}
}
