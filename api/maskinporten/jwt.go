package maskinporten

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/systembruker/systembruker/orgno"
)

// Decoded is a JWT split into header and claims, NOT verified: use it to
// show what a token says, never to decide whether to trust it.
type Decoded struct {
	Header map[string]any
	// Claims keeps numbers as json.Number so that e.g. large ids or
	// fractional times print exactly as issued.
	Claims map[string]any
	// RawClaims is the payload JSON as it was in the token.
	RawClaims []byte
}

// Decode splits a compact JWS (header.payload.signature) without verifying
// it. Errors never quote the token.
func Decode(token string) (*Decoded, error) {
	parts := strings.Split(cleanToken(token), ".")
	switch {
	case len(parts) == 5:
		return nil, errors.New("this is an encrypted token (JWE): it cannot be read without the recipient's key")
	case len(parts) != 3:
		return nil, fmt.Errorf("not a JWT: expected 3 dot-separated parts, found %d", len(parts))
	}
	d := &Decoded{}
	hdr, err := decodeSegment(parts[0])
	if err != nil {
		return nil, fmt.Errorf("JWT header: %w", err)
	}
	if err := unmarshalObject(hdr, &d.Header); err != nil {
		return nil, fmt.Errorf("JWT header: %w", err)
	}
	if d.RawClaims, err = decodeSegment(parts[1]); err != nil {
		return nil, fmt.Errorf("JWT claims: %w", err)
	}
	if err := unmarshalObject(d.RawClaims, &d.Claims); err != nil {
		return nil, fmt.Errorf("JWT claims: %w", err)
	}
	return d, nil
}

// cleanToken drops the white space and quotes that copy-paste and some
// text/plain APIs wrap around a token.
func cleanToken(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

// decodeSegment accepts base64url with or without padding; some issuers pad.
func decodeSegment(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errors.New("not valid base64url")
	}
	return b, nil
}

func unmarshalObject(b []byte, v *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil || *v == nil {
		return errors.New("not a JSON object")
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// Claims is a typed view of the claims Maskinporten puts in an access token,
// and that Altinn keeps when it exchanges one.
type Claims struct {
	Issuer    string
	Audience  []string // "aud" as string or array; empty when absent
	Scope     string
	ClientID  string
	ClientAMR string
	TokenType string
	JTI       string
	IssuedAt  time.Time // zero when absent or invalid
	ExpiresAt time.Time // zero when absent or invalid
	// InvalidTimes names iat or exp when present but not a NumericDate
	// (a string, negative, after year 9999).
	InvalidTimes []string
	Consumer     *Party // the vendor (client owner)
	Supplier     *Party // only with Altinn API delegation

	AuthorizationDetails []AuthorizationDetail

	// Claims added by Altinn's token exchange.
	AltinnOrgNumber          string // urn:altinn:orgNumber
	AltinnAuthenticateMethod string // urn:altinn:authenticatemethod
	AltinnAuthLevel          string // urn:altinn:authlevel
}

// Party is an ISO 6523 party, e.g. {authority: iso6523-actorid-upis, ID: 0192:314240979}.
type Party struct {
	Authority string
	ID        string
}

// OrgNo is the organisation number without its 0192: prefix.
func (p Party) OrgNo() string { return strings.TrimPrefix(p.ID, orgno.ICD+":") }

// UnmarshalJSON matches keys case-insensitively: Altinn has written both
// "ID" and "id" inside systemuser_org.
func (p *Party) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for k, v := range m {
		var dst *string
		switch strings.ToLower(k) {
		case "id":
			dst = &p.ID
		case "authority":
			dst = &p.Authority
		default:
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// AuthorizationDetail is one RAR entry; for a system user, Type is
// SystemUserType.
type AuthorizationDetail struct {
	Type          string
	SystemUserOrg *Party   // owner of the system user
	SystemUserID  []string // UUIDs
	SystemID      string   // "<vendor orgno>_<name>"
	ExternalRef   string
}

// SystemUser returns the system-user entry, or nil for a plain token.
func (c *Claims) SystemUser() *AuthorizationDetail {
	for i := range c.AuthorizationDetails {
		if c.AuthorizationDetails[i].Type == SystemUserType {
			return &c.AuthorizationDetails[i]
		}
	}
	return nil
}

// Scopes splits Scope.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// TypedClaims reads the claims into a Claims view.
func (d *Decoded) TypedClaims() (*Claims, error) {
	var w struct {
		Iss       string     `json:"iss"`
		Aud       stringList `json:"aud"`
		Scope     string     `json:"scope"`
		ClientID  string     `json:"client_id"`
		ClientAMR string     `json:"client_amr"`
		TokenType string     `json:"token_type"`
		JTI       string     `json:"jti"`
		Iat       *numDate   `json:"iat"`
		Exp       *numDate   `json:"exp"`
		Consumer  *Party     `json:"consumer"`
		Supplier  *Party     `json:"supplier"`
		Details   []struct {
			Type          string     `json:"type"`
			SystemUserOrg *Party     `json:"systemuser_org"`
			SystemUserID  stringList `json:"systemuser_id"`
			SystemID      string     `json:"system_id"`
			ExternalRef   string     `json:"externalRef"`
		} `json:"authorization_details"`
		OrgNumber  scalar `json:"urn:altinn:orgNumber"`
		AuthMethod scalar `json:"urn:altinn:authenticatemethod"`
		AuthLevel  scalar `json:"urn:altinn:authlevel"`
	}
	if err := json.Unmarshal(d.RawClaims, &w); err != nil {
		return nil, fmt.Errorf("JWT claims: %w", err)
	}
	c := &Claims{
		Issuer: w.Iss, Audience: w.Aud, Scope: w.Scope, ClientID: w.ClientID,
		ClientAMR: w.ClientAMR, TokenType: w.TokenType, JTI: w.JTI,
		IssuedAt: w.Iat.time(), ExpiresAt: w.Exp.time(),
		Consumer: w.Consumer, Supplier: w.Supplier,
		AltinnOrgNumber: string(w.OrgNumber), AltinnAuthenticateMethod: string(w.AuthMethod),
		AltinnAuthLevel: string(w.AuthLevel),
		InvalidTimes:    invalidTimes(map[string]*numDate{"iat": w.Iat, "exp": w.Exp}),
	}
	for _, x := range w.Details {
		c.AuthorizationDetails = append(c.AuthorizationDetails, AuthorizationDetail{
			Type: x.Type, SystemUserOrg: x.SystemUserOrg, SystemUserID: x.SystemUserID,
			SystemID: x.SystemID, ExternalRef: x.ExternalRef,
		})
	}
	return c, nil
}

// stringList accepts a JSON string or an array of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// scalar accepts a JSON string, number or boolean as text.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	var str string
	if json.Unmarshal(b, &str) == nil {
		*s = scalar(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*s = scalar(n)
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New("expected a string or a number")
	}
	*s = scalar(fmt.Sprint(v))
	return nil
}

// maxNumericDate is the end of year 9999: no token lives past it, and later
// times do not fit in what people (or time.Time's formatting) can read.
const maxNumericDate = 253402300799

// ParseNumericDate reads a JWT NumericDate (RFC 7519 §2): seconds since
// 1970, possibly fractional. It reports false for anything else, including
// strings, negative times and times after year 9999, so that a crafted
// token shows "not a valid time" instead of an overflowed date.
func ParseNumericDate(b []byte) (time.Time, bool) {
	var num json.Number
	if json.Unmarshal(b, &num) != nil || len(b) == 0 || b[0] == '"' {
		return time.Time{}, false
	}
	f, err := num.Float64()
	if err != nil || f < 0 || f > maxNumericDate {
		return time.Time{}, false
	}
	if i, err := num.Int64(); err == nil {
		return time.Unix(i, 0), true
	}
	return time.UnixMilli(int64(f * 1000)), true
}

// numDate is a time claim; bad marks one that is present but not a
// NumericDate.
type numDate struct {
	t   time.Time
	bad bool
}

func (n *numDate) UnmarshalJSON(b []byte) error {
	t, ok := ParseNumericDate(b)
	n.t, n.bad = t, !ok
	return nil
}

func (n *numDate) time() time.Time {
	if n == nil {
		return time.Time{}
	}
	return n.t
}

// invalidTimes names the time claims that are present but not valid times.
func invalidTimes(claims map[string]*numDate) []string {
	var out []string
	for _, name := range []string{"iat", "exp"} {
		if n := claims[name]; n != nil && n.bad {
			out = append(out, name)
		}
	}
	return out
}
