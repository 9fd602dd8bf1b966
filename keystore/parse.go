package keystore

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/systembruker/systembruker/orgno"
)

const minBits = 2048

var errSmallKey = errors.New("RSA keys below 2048 bits are refused by Maskinporten guidance; generate a new key with `systembruker keys generate`")

const errECText = "Maskinporten grants are RSA only (RS256/RS384/RS512): import an RSA key, or generate one with `systembruker keys generate`"

// rsaKey accepts k only if it is an RSA private key Maskinporten can use.
func rsaKey(k any) (*rsa.PrivateKey, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minBits {
			return nil, fmt.Errorf("the key is %d bits: %w", bits, errSmallKey)
		}
		if err := k.Validate(); err != nil {
			return nil, fmt.Errorf("not a usable RSA private key: %w", err)
		}
		return k, nil
	case *ecdsa.PrivateKey, *ecdh.PrivateKey:
		return nil, errors.New("the key is an EC key: " + errECText)
	case ed25519.PrivateKey, *ed25519.PrivateKey:
		return nil, errors.New("the key is an Ed25519 key: " + errECText)
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, *ecdh.PublicKey:
		return nil, errPublicOnly("")
	default:
		return nil, fmt.Errorf("not an RSA private key (found %T)", k)
	}
}

func errPublicOnly(what string) error {
	if what != "" {
		what = " (" + what + ")"
	}
	return fmt.Errorf("only a public key was given%s: import needs the private key, "+
		"the one that stays with you (-----BEGIN PRIVATE KEY----- or a JWK with \"d\")", what)
}

// parsePEM reads a PKCS#1 or PKCS#8 RSA private key, optionally followed or
// preceded by CERTIFICATE blocks (the chain).
func parsePEM(data []byte) (*rsa.PrivateKey, []*x509.Certificate, error) {
	var keys []any
	var certs []*x509.Certificate
	var publicOnly string
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if _, enc := b.Headers["DEK-Info"]; enc || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, nil, errors.New("the PEM key is encrypted, which is not supported: pipe a decrypted copy in " +
				"without writing it to disk, e.g. `openssl pkey -in key.pem | systembruker keys import --name N --pem /dev/stdin`")
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("not an RSA private key: the PRIVATE KEY block is damaged (it does not decode as PKCS#8); export the key again")
			}
			keys = append(keys, k)
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("not an RSA private key: the RSA PRIVATE KEY block is damaged (it does not decode as PKCS#1); export the key again")
			}
			keys = append(keys, k)
		case "EC PRIVATE KEY":
			return nil, nil, errors.New("the key is an EC key: " + errECText)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("a CERTIFICATE block does not parse: %w", err)
			}
			certs = append(certs, c)
		case "PUBLIC KEY", "RSA PUBLIC KEY":
			publicOnly = b.Type
		default:
			return nil, nil, fmt.Errorf("unsupported PEM block %q: expected PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1), optionally with CERTIFICATE blocks", b.Type)
		}
	}
	switch {
	case len(keys) > 1:
		return nil, nil, errors.New("the PEM holds more than one private key: import one key at a time")
	case len(keys) == 0 && publicOnly != "":
		return nil, nil, errPublicOnly(publicOnly)
	case len(keys) == 0 && len(certs) > 0:
		return nil, nil, errPublicOnly("only CERTIFICATE blocks")
	case len(keys) == 0:
		if err := cutShort(rest); err != nil {
			return nil, nil, err
		}
		return nil, nil, errors.New("not a PEM block: expected text starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----")
	}
	if err := cutShort(rest); err != nil {
		return nil, nil, err
	}
	priv, err := rsaKey(keys[0])
	if err != nil {
		return nil, nil, err
	}
	chain, err := orderChain(priv, certs)
	return priv, chain, err
}

// cutShort explains the PEM text that pem.Decode left over: a BEGIN line
// whose block did not decode was cut short (no END line, as when a paste
// or a copy stops early) or damaged inside.
func cutShort(rest []byte) error {
	_, after, ok := bytes.Cut(rest, []byte("-----BEGIN "))
	if !ok {
		return nil
	}
	typ, _, _ := bytes.Cut(after, []byte("-----"))
	if len(typ) > 40 {
		typ = typ[:40]
	}
	end := "-----END " + string(typ) + "-----"
	if !bytes.Contains(after, []byte(end)) {
		return fmt.Errorf("the PEM is incomplete: it has a BEGIN %s line but no %s line after it, so it was cut short; copy or export the whole file again", typ, end)
	}
	return fmt.Errorf("the %s PEM block is damaged between its BEGIN and END lines (it is not valid base64); copy or export the whole file again", typ)
}

// parseJWK reads one private RSA JWK and returns its kid ("" if none).
func parseJWK(data []byte) (*rsa.PrivateKey, []*x509.Certificate, string, error) {
	var set struct {
		Keys json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(data, &set) == nil && set.Keys != nil {
		return nil, nil, "", errors.New("this is a JWK Set (it has \"keys\"): import a single key, e.g. extract it with `jq '.keys[0]'`")
	}
	var k jose.JSONWebKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, nil, "", fmt.Errorf("not a JWK: %w", err)
	}
	if _, ok := k.Key.([]byte); ok {
		return nil, nil, "", errors.New("the JWK is a symmetric (oct) key: " + errECText)
	}
	if k.IsPublic() {
		return nil, nil, "", errPublicOnly("the JWK has no \"d\"")
	}
	if err := checkKID(k.KeyID); err != nil {
		return nil, nil, "", err
	}
	priv, err := rsaKey(k.Key)
	if err != nil {
		return nil, nil, "", err
	}
	chain, err := orderChain(priv, k.Certificates)
	return priv, chain, k.KeyID, err
}

// parseP12 reads a PKCS#12 bundle such as a virksomhetssertifikat.
func parseP12(data []byte, password string) (*rsa.PrivateKey, []*x509.Certificate, error) {
	k, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption) {
		return nil, nil, ErrWrongPassword
	}
	if err != nil {
		return nil, nil, fmt.Errorf("not a usable .p12 (PKCS#12) file: %w", err)
	}
	priv, err := rsaKey(k)
	if err != nil {
		return nil, nil, err
	}
	chain, err := orderChain(priv, append([]*x509.Certificate{leaf}, cas...))
	return priv, chain, err
}

// maxKIDLen bounds an imported kid, as Digdir's API does (selfservice.ValidKID).
const maxKIDLen = 100

// checkKID refuses a kid Digdir would refuse: it is kept with the key and
// sent in every grant, and shown in lists. The error never repeats it.
func checkKID(kid string) error {
	if len(kid) > maxKIDLen {
		return fmt.Errorf("the JWK's kid is %d characters long: Digdir allows at most %d; remove \"kid\" from the JWK (its thumbprint is used then) or shorten it", len(kid), maxKIDLen)
	}
	for _, r := range kid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			what := fmt.Sprintf("%q", r)
			if r < 0x20 || r >= 0x7f {
				what = fmt.Sprintf("the character %U", r)
			}
			return fmt.Errorf("the JWK's kid contains %s: Digdir allows only letters, digits, '.', '_' and '-'; remove \"kid\" from the JWK (its thumbprint is used then) or fix it", what)
		}
	}
	return nil
}

// orderChain puts the certificate for priv first and then each issuer in
// turn, as x5c requires; certificates that fit nowhere keep their order at
// the end.
func orderChain(priv *rsa.PrivateKey, certs []*x509.Certificate) ([]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, nil
	}
	rest := append([]*x509.Certificate(nil), certs...)
	leaf := -1
	for i, c := range rest {
		if priv.PublicKey.Equal(c.PublicKey) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, errors.New("none of the certificates belongs to the private key: check that the key and certificate files are a pair")
	}
	chain := []*x509.Certificate{rest[leaf]}
	rest = append(rest[:leaf], rest[leaf+1:]...)
	for len(rest) > 0 {
		last := chain[len(chain)-1]
		if bytes.Equal(last.RawSubject, last.RawIssuer) {
			break // a self-signed root ends the chain
		}
		next := -1
		for i, c := range rest {
			if bytes.Equal(c.RawSubject, last.RawIssuer) {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		chain = append(chain, rest[next])
		rest = append(rest[:next], rest[next+1:]...)
	}
	return append(chain, rest...), nil
}

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// certInfo describes a leaf certificate. OrgNo comes from the subject's
// serialNumber (Norwegian virksomhetssertifikat) or organizationIdentifier
// "NTRNO-<orgno>" (newer SEID 2 certificates), when it is a valid org number.
func certInfo(leaf *x509.Certificate) *CertInfo {
	ci := &CertInfo{
		Subject:   leaf.Subject.String(),
		Issuer:    leaf.Issuer.String(),
		NotAfter:  leaf.NotAfter.UTC(),
		NotBefore: leaf.NotBefore.UTC(),
	}
	if orgno.Validate(leaf.Subject.SerialNumber) == nil {
		ci.OrgNo = leaf.Subject.SerialNumber
	}
	for _, n := range leaf.Subject.Names {
		v, ok := n.Value.(string)
		if ci.OrgNo == "" && ok && n.Type.Equal(oidOrganizationIdentifier) {
			if no, ok := strings.CutPrefix(v, "NTRNO-"); ok && orgno.Validate(no) == nil {
				ci.OrgNo = no
			}
		}
	}
	return ci
}

// encodeSecret is what is stored for a key: PKCS#8 PEM, then the chain.
func encodeSecret(priv *rsa.PrivateKey, chain []*x509.Certificate) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, c := range chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out, nil
}

// decodeSecret reverses encodeSecret.
func decodeSecret(data []byte) (*rsa.PrivateKey, []*x509.Certificate, error) {
	var priv *rsa.PrivateKey
	var chain []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, err
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, nil, fmt.Errorf("stored key is %T, not RSA", k)
			}
			priv = rk
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, err
			}
			chain = append(chain, c)
		}
	}
	if priv == nil {
		return nil, nil, errors.New("stored secret holds no private key")
	}
	return priv, chain, nil
}
