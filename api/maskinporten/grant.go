// Package maskinporten is a typed client for Maskinporten's token endpoint:
// it signs JWT-bearer grants (plain and Altinn system-user), requests access
// tokens with safe retries, explains Maskinporten's error codes in plain
// words with a next step, and decodes and verifies the tokens it gets back.
package maskinporten

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/systembruker/systembruker/orgno"
)

// MaxGrantLifetime is the longest grant lifetime (exp − iat) Digdir documents.
// The server is said to accept up to 180 s, but we stay within the documented
// limit so a stricter server never rejects us.
const MaxGrantLifetime = 120 * time.Second

// SystemUserType is the authorization_details type of an Altinn system-user grant.
const SystemUserType = "urn:altinn:systemuser"

// Signer is the key a grant is signed with. Exactly one of KID and Chain
// identifies it to Maskinporten: KID names a key registered on the client
// (JWK or uploaded certificate); Chain is a virksomhetssertifikat chain,
// leaf first, sent in the x5c header.
type Signer struct {
	Key   *rsa.PrivateKey
	KID   string
	Chain []*x509.Certificate
	Alg   string // "RS256" (default when ""), "RS384" or "RS512"
}

// String names the key without printing it, so a stray %v cannot leak the
// private key into a log.
func (s Signer) String() string {
	alg, _ := s.alg()
	if s.KID != "" {
		return fmt.Sprintf("%s key %s", alg, s.KID)
	}
	if len(s.Chain) > 0 {
		return fmt.Sprintf("%s certificate %q", alg, s.Chain[0].Subject.CommonName)
	}
	return "no key"
}

// GoString redacts like String, for %#v.
func (s Signer) GoString() string { return "maskinporten.Signer{" + s.String() + "}" }

// Grant is what a token is asked for.
type Grant struct {
	// Audience is Maskinporten's issuer identifier including its trailing
	// slash, e.g. "https://test.maskinporten.no/".
	Audience string
	ClientID string
	Scopes   []string // at least one
	Resource string   // optional RFC 8707 audience restriction
	// SystemUserOrg, when set, asks for an Altinn system-user token for the
	// system user owned by this 9-digit organisation number (no 0192: prefix).
	SystemUserOrg string
	// ExternalRef must equal the externalRef of the system-user request when
	// that request set one; leave it empty otherwise (it is then not sent).
	ExternalRef string
	// Lifetime is exp − iat; 0 means MaxGrantLifetime.
	Lifetime time.Duration
}

// The claim structs list every claim we send, and nothing else: Maskinporten
// answers "Invalid assertion" to undocumented claims, so no library gets to
// add its own.
type grantClaims struct {
	Aud                  string        `json:"aud"`
	Iss                  string        `json:"iss"`
	Scope                string        `json:"scope"`
	Iat                  int64         `json:"iat"`
	Exp                  int64         `json:"exp"`
	Jti                  string        `json:"jti"`
	Resource             string        `json:"resource,omitempty"`
	AuthorizationDetails []grantDetail `json:"authorization_details,omitempty"`
}

type grantDetail struct {
	Type          string     `json:"type"`
	SystemUserOrg grantParty `json:"systemuser_org"`
	ExternalRef   string     `json:"externalRef,omitempty"`
}

type grantParty struct {
	Authority string `json:"authority"`
	ID        string `json:"ID"`
}

// Validate reports the first thing wrong with g, in words that say what to fix.
func (g Grant) Validate() error {
	if err := validateAudience(g.Audience); err != nil {
		return err
	}
	if err := CheckClientID(g.ClientID); err != nil {
		return err
	}
	if len(g.Scopes) == 0 {
		return errors.New("grant: no scope: Maskinporten needs at least one scope, e.g. altinn:authentication/systemregister.write")
	}
	if err := CheckScopes(g.Scopes); err != nil {
		return err
	}
	if err := checkResource(g.Resource); err != nil {
		return err
	}
	if g.SystemUserOrg != "" {
		if strings.HasPrefix(g.SystemUserOrg, orgno.ICD+":") {
			return fmt.Errorf("grant: system user org %q: give the 9-digit organisation number without the %s: prefix", g.SystemUserOrg, orgno.ICD)
		}
		if err := orgno.Validate(g.SystemUserOrg); err != nil {
			return fmt.Errorf("grant: system user org: %w", err)
		}
	}
	if g.ExternalRef != "" {
		if g.SystemUserOrg == "" {
			return errors.New("grant: externalRef is only used with a system-user token: set the system user's organisation number too")
		}
		if strings.TrimSpace(g.ExternalRef) == "" {
			return errors.New("grant: externalRef is blank: leave it unset, or give the exact externalRef of the system-user request")
		}
		if err := checkExternalRef(g.ExternalRef); err != nil {
			return err
		}
	}
	switch {
	case g.Lifetime < 0:
		return fmt.Errorf("grant: lifetime %v is negative", g.Lifetime)
	case g.Lifetime > MaxGrantLifetime:
		return fmt.Errorf("grant: lifetime %v is longer than Maskinporten's %v limit", g.Lifetime, MaxGrantLifetime)
	case g.Lifetime > 0 && g.Lifetime < time.Second:
		return fmt.Errorf("grant: lifetime %v is shorter than one second", g.Lifetime)
	}
	return nil
}

func validateAudience(aud string) error {
	if aud == "" {
		return errors.New("grant: audience is empty: it must be Maskinporten's issuer, e.g. https://test.maskinporten.no/")
	}
	u, err := url.Parse(aud)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("grant: audience %q is not an absolute URL: it must be Maskinporten's issuer, e.g. https://test.maskinporten.no/", aud)
	}
	if !strings.HasSuffix(aud, "/") {
		return fmt.Errorf("grant: audience %q lacks the trailing slash: Maskinporten's issuer is e.g. https://test.maskinporten.no/", aud)
	}
	return nil
}

// Validate reports the first thing wrong with s.
func (s Signer) Validate() error {
	if s.Key == nil {
		return errors.New("signer: no private key")
	}
	if n := s.Key.N.BitLen(); n < 2048 {
		return fmt.Errorf("signer: RSA key is %d bits; Maskinporten needs at least 2048", n)
	}
	if _, err := s.alg(); err != nil {
		return err
	}
	switch {
	case s.KID != "" && len(s.Chain) > 0:
		return errors.New("signer: both a key id (kid) and a certificate chain (x5c) are set: use kid for a key registered on the client, x5c for a virksomhetssertifikat, not both")
	case s.KID == "" && len(s.Chain) == 0:
		return errors.New("signer: neither a key id (kid) nor a certificate chain (x5c) is set: Maskinporten cannot tell which key signed the grant")
	case s.KID != "":
		if err := checkKID(s.KID); err != nil {
			return err
		}
	}
	if len(s.Chain) > 0 {
		pub, ok := s.Chain[0].PublicKey.(*rsa.PublicKey)
		if !ok || !pub.Equal(&s.Key.PublicKey) {
			return errors.New("signer: the first certificate in the chain does not belong to the private key: put the leaf (the virksomhetssertifikat itself) first")
		}
	}
	return nil
}

func (s Signer) alg() (jose.SignatureAlgorithm, error) {
	switch s.Alg {
	case "", string(jose.RS256):
		return jose.RS256, nil
	case string(jose.RS384), string(jose.RS512):
		return jose.SignatureAlgorithm(s.Alg), nil
	}
	return "", fmt.Errorf("signer: algorithm %q is not accepted by Maskinporten: use RS256, RS384 or RS512", s.Alg)
}

// Sign validates g and s and returns a signed grant (the assertion) and its
// fresh random jti. Every call gives a new jti, because Maskinporten refuses
// a grant it has seen before.
func (g Grant) Sign(s Signer, now time.Time) (assertion, jti string, err error) {
	if err := g.Validate(); err != nil {
		return "", "", err
	}
	if err := s.Validate(); err != nil {
		return "", "", err
	}
	jti = rand.Text()
	payload, err := json.Marshal(g.claims(now, jti))
	if err != nil {
		return "", "", err
	}
	signer, err := s.joseSigner()
	if err != nil {
		return "", "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", "", fmt.Errorf("signing grant: %w", err)
	}
	assertion, err = jws.CompactSerialize()
	if err != nil {
		return "", "", fmt.Errorf("signing grant: %w", err)
	}
	return assertion, jti, nil
}

func (g Grant) claims(now time.Time, jti string) grantClaims {
	life := g.Lifetime
	if life == 0 {
		life = MaxGrantLifetime
	}
	iat := now.Unix()
	c := grantClaims{
		Aud:      g.Audience,
		Iss:      g.ClientID,
		Scope:    strings.Join(g.Scopes, " "),
		Iat:      iat,
		Exp:      iat + int64(life/time.Second),
		Jti:      jti,
		Resource: g.Resource,
	}
	if g.SystemUserOrg != "" {
		c.AuthorizationDetails = []grantDetail{{
			Type:          SystemUserType,
			SystemUserOrg: grantParty{Authority: orgno.Authority, ID: orgno.Prefixed(g.SystemUserOrg)},
			ExternalRef:   g.ExternalRef,
		}}
	}
	return c
}

// joseSigner puts kid in the header through the JWK's KeyID, or x5c through an
// extra header; go-jose adds nothing else but alg.
func (s Signer) joseSigner() (jose.Signer, error) {
	alg, err := s.alg()
	if err != nil {
		return nil, err
	}
	if s.KID != "" {
		key := jose.JSONWebKey{Key: s.Key, KeyID: s.KID}
		return jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, nil)
	}
	x5c := make([]string, len(s.Chain))
	for i, c := range s.Chain {
		// x5c is standard (not URL-safe) base64 DER, per RFC 7515 §4.1.6.
		x5c[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	opts := (&jose.SignerOptions{}).WithHeader("x5c", x5c)
	return jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: s.Key}, opts)
}
