package selfservice

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MaxKeys is how many keys Digdir keeps per client.
const MaxKeys = 5

// JWK is a public RSA key as registered on a client. Members the type does
// not model are kept, so a key read from Digdir is written back as it was.
type JWK struct {
	Kty string   `json:"kty"`
	KID string   `json:"kid"`
	Use string   `json:"use"` // "sig", required by Digdir since 2025-05-22
	Alg string   `json:"alg"` // RS256, RS384 or RS512
	N   string   `json:"n"`
	E   string   `json:"e"`
	X5C []string `json:"x5c"` // optional: locks the client to this certificate
	// Exp is the key's expiry in epoch seconds. Digdir sets it to one year
	// after the key was posted, or keeps a shorter one sent with the key.
	Exp int64 `json:"exp"`

	received object
}

// NewJWK is the public JWK of pub as Digdir wants it: RS256, use sig.
func NewJWK(pub *rsa.PublicKey, kid string) JWK {
	return JWK{
		Kty: "RSA",
		KID: kid,
		Use: "sig",
		Alg: "RS256",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// Expires is Exp as a time; zero when Digdir set none.
func (k JWK) Expires() time.Time {
	if k.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(k.Exp, 0)
}

type jwkFields JWK

// MarshalJSON writes the received members updated with the fields.
func (k JWK) MarshalJSON() ([]byte, error) {
	m, err := merge(jwkFields(k), k.received)
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a key and keeps every member as received.
func (k *JWK) UnmarshalJSON(b []byte) error {
	var f jwkFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &f.received); err != nil {
		return err
	}
	*k = JWK(f)
	return nil
}

// privateMembers are the JWK members of private keys (RFC 7518 §6.3.2,
// and k of symmetric keys). None may be sent to Digdir.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// checkPublic refuses a key that must not or cannot be registered. It never
// repeats key material.
func (k JWK) checkPublic() error {
	var private []string
	for _, m := range privateMembers {
		if _, ok := k.received[m]; ok {
			private = append(private, m)
		}
	}
	if len(private) > 0 {
		return fmt.Errorf("key %s includes private key members (%s): only the public key may be sent to Digdir; export the public JWK instead", k.KID, strings.Join(private, ", "))
	}
	if k.Kty != "RSA" {
		return fmt.Errorf("key %s has kty %q: Digdir accepts RSA keys only", k.KID, k.Kty)
	}
	if err := ValidKID(k.KID); err != nil {
		return err
	}
	if k.Use != "sig" {
		return fmt.Errorf("key %s has use %q: Digdir requires use \"sig\"", k.KID, k.Use)
	}
	if _, err := k.rsaKey(); err != nil {
		return fmt.Errorf("key %s: %w", k.KID, err)
	}
	return nil
}

// checkNew adds what a key being registered now must also meet.
func (k JWK) checkNew() error {
	if err := k.checkPublic(); err != nil {
		return err
	}
	switch k.Alg {
	case "RS256", "RS384", "RS512":
	default:
		return fmt.Errorf("key %s has alg %q: Digdir accepts RS256, RS384 or RS512", k.KID, k.Alg)
	}
	pub, _ := k.rsaKey()
	if bits := pub.N.BitLen(); bits < 2048 {
		return fmt.Errorf("key %s is a %d-bit RSA key: Digdir wants at least 2048 bits; generate a new key", k.KID, bits)
	}
	return nil
}

func (k JWK) rsaKey() (*rsa.PublicKey, error) {
	n, err1 := base64.RawURLEncoding.DecodeString(k.N)
	e, err2 := base64.RawURLEncoding.DecodeString(k.E)
	if err := errors.Join(err1, err2); err != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("the RSA modulus (n) or exponent (e) is missing or not base64url")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}

// sameMaterial reports whether two keys are the same RSA public key,
// however their n and e happen to be encoded.
func sameMaterial(a, b JWK) bool {
	pa, err1 := a.rsaKey()
	pb, err2 := b.rsaKey()
	return err1 == nil && err2 == nil && pa.Equal(pb)
}

// JWKS is a client's key set as Digdir sends it.
type JWKS struct {
	Keys        []JWK     `json:"keys"`
	Created     time.Time `json:"created,omitzero"`
	LastUpdated time.Time `json:"last_updated,omitzero"`
}

// UnmarshalJSON reads the set; timestamps in an unexpected form are left
// zero rather than failing the read.
func (s *JWKS) UnmarshalJSON(b []byte) error {
	var w struct {
		Keys        []JWK           `json:"keys"`
		Created     json.RawMessage `json:"created"`
		LastUpdated json.RawMessage `json:"last_updated"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = JWKS{Keys: w.Keys, Created: parseTime(w.Created), LastUpdated: parseTime(w.LastUpdated)}
	return nil
}

// Find returns the key with kid.
func (s JWKS) Find(kid string) (JWK, bool) {
	i := slices.IndexFunc(s.Keys, func(k JWK) bool { return k.KID == kid })
	if i < 0 {
		return JWK{}, false
	}
	return s.Keys[i], true
}

// KIDs lists the key ids in order.
func (s JWKS) KIDs() []string {
	kids := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		kids[i] = k.KID
	}
	return kids
}

// GetJWKS reads the client's keys. A client without keys gives an empty set.
func (a *API) GetJWKS(ctx context.Context, clientID string) (JWKS, error) {
	p, err := clientPath(clientID, "/jwks")
	if err != nil {
		return JWKS{}, err
	}
	var s JWKS
	err = a.do(ctx, http.MethodGet, p, nil, nil, &s)
	return s, err
}

// ReplaceJWKS makes keys the client's whole key set and returns the set as
// stored. Every key the client has and that is not in keys is gone after
// this: to add or remove one key, use AddKey or RemoveKey. Keys without use
// get "sig" (Digdir requires it); an empty set is refused (use DeleteJWKS).
func (a *API) ReplaceJWKS(ctx context.Context, clientID string, keys []JWK) (JWKS, error) {
	p, err := clientPath(clientID, "/jwks")
	if err != nil {
		return JWKS{}, err
	}
	keys, err = prepare(keys)
	if err != nil {
		return JWKS{}, err
	}
	var s JWKS
	if err := a.do(ctx, http.MethodPost, p, nil, struct {
		Keys []JWK `json:"keys"`
	}{keys}, &s); err != nil {
		return JWKS{}, err
	}
	if len(s.Keys) == 0 {
		// Digdir answers with the stored set; should an answer come
		// without it, read it, so callers always see the expiries.
		return a.GetJWKS(ctx, clientID)
	}
	return s, nil
}

// prepare copies keys for a POST: use "sig" added where missing, then
// checked for what Digdir refuses. It never reaches the network, so a bad
// set costs no key.
func prepare(keys []JWK) ([]JWK, error) {
	switch {
	case len(keys) == 0:
		return nil, errors.New("an empty key set cannot be posted: delete all keys with DeleteJWKS instead")
	case len(keys) > MaxKeys:
		return nil, fmt.Errorf("%d keys: Digdir keeps at most %d per client", len(keys), MaxKeys)
	}
	out := slices.Clone(keys)
	seen := map[string]bool{}
	for i := range out {
		if out[i].Use == "" {
			out[i].Use = "sig"
		}
		if err := out[i].checkPublic(); err != nil {
			return nil, err
		}
		if seen[out[i].KID] {
			return nil, fmt.Errorf("kid %s is in the set twice: kids must be unique within a client", out[i].KID)
		}
		seen[out[i].KID] = true
	}
	return out, nil
}

// DeleteJWKS removes every key of the client. It is the only way to remove
// the last key.
func (a *API) DeleteJWKS(ctx context.Context, clientID string) error {
	p, err := clientPath(clientID, "/jwks")
	if err != nil {
		return err
	}
	return a.do(ctx, http.MethodDelete, p, nil, nil, nil)
}
