// Package floor is what the two floor programs of the token benchmark share:
// the least any program must do to get a Maskinporten token once it holds
// the private key — parse the PEM, sign one grant, POST it. The floors differ
// only in where the PEM comes from (the OS keychain or a file), so that their
// difference is what the keychain costs.
package floor

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Grant is what the floor asks Maskinporten for.
type Grant struct {
	MaskinportenURL string // base URL; the token endpoint is +"/token", the issuer +"/"
	ClientID        string
	Scope           string
	KID             string
}

// Flags registers the grant's flags on fs.
func Flags(fs *flag.FlagSet) *Grant {
	var g Grant
	fs.StringVar(&g.MaskinportenURL, "maskinporten-url", "", "Maskinporten base URL (as SYSTEMBRUKER_MASKINPORTEN_URL)")
	fs.StringVar(&g.ClientID, "client-id", "", "Maskinporten client id")
	fs.StringVar(&g.Scope, "scope", "", "scope to ask for")
	fs.StringVar(&g.KID, "kid", "", "key id registered on the client")
	return &g
}

// Check reports a missing flag.
func (g *Grant) Check() error {
	if g.MaskinportenURL == "" || g.ClientID == "" || g.Scope == "" || g.KID == "" {
		return errors.New("-maskinporten-url, -client-id, -scope and -kid are required")
	}
	return nil
}

// Token parses the PKCS#8 PEM, signs one grant with it and exchanges the
// grant for an access token.
func Token(g *Grant, keyPEM []byte) (string, error) {
	key, err := parseKey(keyPEM)
	if err != nil {
		return "", err
	}
	assertion, err := sign(g, key, time.Now())
	if err != nil {
		return "", err
	}
	return post(g.MaskinportenURL+"/token", assertion)
}

func parseKey(data []byte) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("no PKCS#8 PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, not RSA", k)
	}
	return rk, nil
}

// sign makes the grant Maskinporten documents: RS256 with kid; aud is the
// issuer with its trailing slash; 120 s lifetime; a fresh jti.
func sign(g *Grant, key *rsa.PrivateKey, now time.Time) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key, KeyID: g.KID},
	}, nil)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(map[string]any{
		"aud":   g.MaskinportenURL + "/",
		"iss":   g.ClientID,
		"scope": g.Scope,
		"iat":   now.Unix(),
		"exp":   now.Unix() + 120,
		"jti":   rand.Text(),
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func post(tokenURL, assertion string) (string, error) {
	form := url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	}
	resp, err := http.Post(tokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint: %s: %s", resp.Status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: no access_token in %s", body)
	}
	return tok.AccessToken, nil
}
