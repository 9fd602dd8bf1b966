package sim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // RS384 and RS512
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// The simulator does its JOSE work with the standard library rather than
// go-jose, which the clients and the tests use: two implementations reading
// the same bytes catch more wire-format mistakes than one.

var b64url = base64.RawURLEncoding

// rsaHashes maps the JWS algorithms Maskinporten accepts to their hashes.
var rsaHashes = map[string]crypto.Hash{
	"RS256": crypto.SHA256,
	"RS384": crypto.SHA384,
	"RS512": crypto.SHA512,
}

// jws is a parsed compact JWS. Nothing in it is verified yet.
type jws struct {
	header       map[string]json.RawMessage
	claims       map[string]json.RawMessage
	signingInput []byte // "header.payload" as received
	signature    []byte
}

// parseJWS splits and decodes a compact JWS whose header and payload are JSON
// objects. It is strict: no padding, no whitespace, exactly three parts.
func parseJWS(compact string) (*jws, error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, errors.New("not three dot-separated parts")
	}
	var t jws
	if err := decodeSegment(parts[0], &t.header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := decodeSegment(parts[1], &t.claims); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	sig, err := b64url.Strict().DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return nil, errors.New("signature is not base64url")
	}
	t.signingInput = []byte(parts[0] + "." + parts[1])
	t.signature = sig
	return &t, nil
}

func decodeSegment(seg string, into *map[string]json.RawMessage) error {
	b, err := b64url.Strict().DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, into); err != nil || *into == nil {
		return errors.New("not a JSON object")
	}
	return nil
}

// stringMember returns m[name] as a string; ok is false when it is absent or
// not a JSON string.
func stringMember(m map[string]json.RawMessage, name string) (s string, present, ok bool) {
	raw, present := m[name]
	if !present {
		return "", false, false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, false
	}
	return s, true, true
}

// verifyRSA checks a PKCS #1 v1.5 signature for alg (RS256/384/512).
func verifyRSA(alg string, pub *rsa.PublicKey, input, sig []byte) error {
	h, ok := rsaHashes[alg]
	if !ok {
		return fmt.Errorf("unsupported alg %q", alg)
	}
	hh := h.New()
	hh.Write(input)
	return rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), sig)
}

// signingKey is an RSA key the simulator signs tokens with. It lives in
// memory only.
type signingKey struct {
	priv *rsa.PrivateKey
	kid  string // RFC 7638 thumbprint, as Digdir's kids look
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingKey{priv: priv, kid: thumbprint(&priv.PublicKey)}, nil
}

// sign returns a compact RS256 JWS of claims with the given header (which
// must carry alg RS256). The header is a struct so that member order is the
// one real tokens have.
func (k *signingKey) sign(header, claims any) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64url.EncodeToString(hb) + "." + b64url.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64url.EncodeToString(sig), nil
}

// publicJWK returns the key as published on a JWKS endpoint.
func (k *signingKey) publicJWK() jwk {
	return jwk{Kty: "RSA", E: encodeExponent(k.priv.E), Use: "sig", Kid: k.kid, Alg: "RS256",
		N: b64url.EncodeToString(k.priv.N.Bytes())}
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of an RSA public key.
func thumbprint(pub *rsa.PublicKey) string {
	// Required members in lexicographic order, no whitespace (RFC 7638 §3).
	canon := fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, encodeExponent(pub.E), b64url.EncodeToString(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(canon))
	return b64url.EncodeToString(sum[:])
}

func encodeExponent(e int) string {
	return b64url.EncodeToString(big.NewInt(int64(e)).Bytes())
}

// jwk is a public RSA JWK as stored on a client: exactly the members Digdir
// keeps, so no private member can ever reach the state file.
type jwk struct {
	Kty string `json:"kty"`
	E   string `json:"e"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	Exp int64  `json:"exp,omitempty"` // epoch seconds; Digdir sets it
}

func (k jwk) publicKey() (*rsa.PublicKey, error) {
	nb, err := b64url.Strict().DecodeString(k.N)
	if err != nil || len(nb) == 0 {
		return nil, errors.New(`"n" is not base64url`)
	}
	eb, err := b64url.Strict().DecodeString(k.E)
	if err != nil || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New(`"e" is not a base64url integer`)
	}
	e := new(big.Int).SetBytes(eb)
	if e.Int64() < 3 || e.Int64()%2 == 0 {
		return nil, errors.New(`"e" is not a valid RSA exponent`)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(e.Int64())}, nil
}

func (k jwk) expired(now time.Time) bool { return k.Exp != 0 && now.Unix() > k.Exp }

// Key rules of Digdir's self-service API.
const (
	maxClientKeys = 5
	keyLifetime   = 365 * 24 * time.Hour
	minRSABits    = 2048
)

// privateJWKMembers are the RSA (and symmetric) members that make a JWK
// private. Digdir rejects keys carrying them.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// checkPublicJWKS validates a key set the way Digdir's self-service API does
// and returns the keys as stored: known members only and exp = the earlier of
// the key's own exp and now + 1 year. The error text is meant for the user;
// callers wrap it in their API's error shape.
func checkPublicJWKS(raw []json.RawMessage, now time.Time) ([]jwk, error) {
	if len(raw) > maxClientKeys {
		return nil, fmt.Errorf("a client can have at most %d keys, got %d: remove old keys first", maxClientKeys, len(raw))
	}
	keys := make([]jwk, 0, len(raw))
	seen := map[string]bool{}
	for i, r := range raw {
		k, err := checkPublicJWK(r, now)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if seen[k.Kid] {
			return nil, fmt.Errorf("key %d: kid %q is used twice: every key needs its own kid", i+1, k.Kid)
		}
		seen[k.Kid] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func checkPublicJWK(raw json.RawMessage, now time.Time) (jwk, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return jwk{}, errors.New("not a JSON object")
	}
	for _, name := range privateJWKMembers {
		if _, ok := m[name]; ok {
			return jwk{}, fmt.Errorf("contains the private member %q: upload the public key only, never the private key", name)
		}
	}
	var k jwk
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&k); err != nil {
		return jwk{}, fmt.Errorf("invalid member: %v", err)
	}
	switch {
	case k.Kty != "RSA":
		return jwk{}, fmt.Errorf(`kty must be "RSA", got %q`, k.Kty)
	case k.Kid == "":
		return jwk{}, errors.New("kid is missing")
	case !validKid(k.Kid):
		return jwk{}, fmt.Errorf("kid %q may contain only letters, digits, '.', '_' and '-'", k.Kid)
	case rsaHashes[k.Alg] == 0:
		return jwk{}, fmt.Errorf(`alg must be RS256, RS384 or RS512, got %q`, k.Alg)
	case k.Use != "sig":
		return jwk{}, fmt.Errorf(`use must be "sig", got %q (required since May 2025)`, k.Use)
	}
	pub, err := k.publicKey()
	if err != nil {
		return jwk{}, err
	}
	if bits := pub.N.BitLen(); bits < minRSABits {
		return jwk{}, fmt.Errorf("RSA key has %d bits, at least %d are required", bits, minRSABits)
	}
	if limit := now.Add(keyLifetime).Unix(); k.Exp == 0 || k.Exp > limit {
		k.Exp = limit
	}
	return k, nil
}

func validKid(kid string) bool {
	for _, r := range kid {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return kid != ""
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomToken returns n random bytes in base64url; 32 bytes give the
// 43-character jti Maskinporten uses.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64url.EncodeToString(b)
}

// traceID returns 32 hex digits, the shape of Maskinporten's trace ids.
func traceID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
