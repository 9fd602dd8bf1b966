package flows

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
)

// altinnOpenIDPath is where Altinn's token exchange issues from: its tokens'
// iss is <AltinnURL> + this path.
const altinnOpenIDPath = "/authentication/api/v1/openid/"

// IssuerKind says which service issued a token.
type IssuerKind string

const (
	IssuerMaskinporten IssuerKind = "maskinporten"
	IssuerAltinn       IssuerKind = "altinn"
	IssuerUnknown      IssuerKind = "unknown"
)

// SystemUserFacts are the system-user claims of a token, by role.
type SystemUserFacts struct {
	CustomerOrg   string   `json:"customer_org"` // owns the system user (systemuser_org)
	SystemID      string   `json:"system_id"`
	SystemUserIDs []string `json:"system_user_ids"`
	VendorOrg     string   `json:"vendor_org,omitempty"` // the consumer: the client's owner
}

// Inspection is a decoded token, optionally verified, with its claims in
// words for people.
type Inspection struct {
	Header     map[string]any `json:"header"`
	Claims     map[string]any `json:"claims"`
	Issuer     string         `json:"issuer,omitempty"`
	IssuerKind IssuerKind     `json:"issuer_kind"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	Expired    bool           `json:"expired"`
	// Expiry is the countdown, e.g. "expires in 1m52s" or "expired 3m ago".
	Expiry     string           `json:"expiry,omitempty"`
	Verified   bool             `json:"verified"`
	KeyID      string           `json:"verified_kid,omitempty"`
	JWKSURL    string           `json:"jwks_url,omitempty"`
	SystemUser *SystemUserFacts `json:"system_user,omitempty"`
	// Summary explains the token in sentences.
	Summary []string `json:"summary"`
}

// VerifyError is a token that failed verification, with what to do next.
type VerifyError struct {
	Err  error
	hint string
}

func (e *VerifyError) Error() string { return "not verified: " + e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

// Hint is the next step.
func (e *VerifyError) Hint() string { return e.hint }

// Inspect decodes any JWT and explains it. With verify it also checks the
// signature and issuer against the keys this environment publishes: the
// Maskinporten JWKS for Maskinporten's issuer, the key set named by Altinn's
// openid-configuration for Altinn's. Key sets are cached in <Cache>/jwks.
// Expiry is reported, never enforced: looking at an expired token is useful.
func (r *Runtime) Inspect(ctx context.Context, jwt string, verify bool) (*Inspection, error) {
	d, err := maskinporten.Decode(jwt)
	if err != nil {
		return nil, err
	}
	c, err := d.TypedClaims()
	if err != nil {
		return nil, err
	}
	in := &Inspection{Header: d.Header, Claims: d.Claims, Issuer: c.Issuer}
	if verify {
		if err := r.verify(ctx, jwt, c.Issuer, in); err != nil {
			return nil, err
		}
	}
	in.IssuerKind = r.issuerKind(c.Issuer)
	if !c.ExpiresAt.IsZero() {
		exp := c.ExpiresAt.UTC()
		now := r.Now()
		in.ExpiresAt, in.Expired, in.Expiry = &exp, !now.Before(exp), Expiry(exp, now)
	}
	if su := c.SystemUser(); su != nil {
		in.SystemUser = &SystemUserFacts{SystemID: su.SystemID, SystemUserIDs: su.SystemUserID}
		if su.SystemUserOrg != nil {
			in.SystemUser.CustomerOrg = su.SystemUserOrg.OrgNo()
		}
		if c.Consumer != nil {
			in.SystemUser.VendorOrg = c.Consumer.OrgNo()
		}
	}
	in.Summary = r.summarise(c, in)
	return in, nil
}

func (r *Runtime) altinnIssuer() string {
	switch {
	case r.Env.AltinnURL == "":
		return ""
	case r.sandbox != nil && r.Env.AltinnURL == r.sandbox.URLs.Altinn:
		return r.sandbox.URLs.AltinnIssuer
	}
	return r.Env.AltinnURL + altinnOpenIDPath
}

func (r *Runtime) issuerKind(iss string) IssuerKind {
	switch {
	case iss == "":
		return IssuerUnknown
	case iss == r.Env.Issuer:
		return IssuerMaskinporten
	case iss == r.altinnIssuer() || strings.HasSuffix(iss, altinnOpenIDPath):
		return IssuerAltinn
	}
	return IssuerUnknown
}

func (r *Runtime) verify(ctx context.Context, jwt, iss string, in *Inspection) error {
	if err := r.Connect(); err != nil {
		return err
	}
	jwksURL, err := r.jwksURLFor(ctx, iss)
	if err != nil {
		return err
	}
	v := &maskinporten.Verifier{HTTP: r.HTTP(), JWKSURL: jwksURL, Issuer: iss, Now: r.Now}
	// The embedded sandbox listens on a new port each run, so caching its
	// key sets on disk by URL would only collect dead files; it serves them
	// from this process anyway.
	if !r.Env.Embedded {
		v.Cache = r.jwksCache()
	}
	ver, err := v.Verify(ctx, jwt)
	if err != nil {
		hint := "the token was changed after it was issued, or it comes from another environment: check --env"
		if r.Env.Embedded {
			hint = "the token was changed after it was issued, or it comes from another environment (check --env), " +
				"or the sandbox's signing keys were replaced since (" + filepath.Join("sandbox", "state.signing-keys.json") + " in the data folder)"
		}
		return &VerifyError{Err: err, hint: hint}
	}
	in.Verified, in.KeyID, in.JWKSURL = true, ver.KeyID, jwksURL
	return nil
}

func (r *Runtime) jwksCache() JWKSFileCache {
	return JWKSFileCache{Dir: filepath.Join(r.Dirs.Cache, "jwks")}
}

// jwksURLFor picks the key set by issuer. Only this environment's two
// issuers are trusted; a token from elsewhere is refused by name.
func (r *Runtime) jwksURLFor(ctx context.Context, iss string) (string, error) {
	switch {
	case iss == r.Env.Issuer:
		return maskinporten.JWKSURL(r.Env.MaskinportenURL), nil
	case iss != "" && iss == r.altinnIssuer():
		return r.altinnJWKSURL(ctx, iss)
	}
	trusted := fmt.Sprintf("%s (Maskinporten)", r.Env.Issuer)
	if a := r.altinnIssuer(); a != "" {
		trusted += fmt.Sprintf(" and %s (Altinn)", a)
	}
	what := fmt.Sprintf("issuer %q", iss)
	if iss == "" {
		what = "no issuer (iss)"
	}
	return "", &VerifyError{
		Err:  fmt.Errorf("the token has %s, which %s does not trust: it trusts %s", what, r.Env.Name, trusted),
		hint: "inspect it in the environment it came from (--env test or --env prod), or drop --verify to just decode it",
	}
}

// altinnJWKSURL reads jwks_uri from Altinn's openid-configuration, cached
// as long as the key sets are.
func (r *Runtime) altinnJWKSURL(ctx context.Context, iss string) (string, error) {
	// From the environment's Altinn URL, not the issuer: they differ in the
	// embedded sandbox, whose issuer names no host.
	metaURL := r.Env.AltinnURL + altinnOpenIDPath + ".well-known/openid-configuration"
	cache := r.jwksCache()
	if !r.Env.Embedded {
		if u, fresh := cache.jwksURI(metaURL, r.Now(), maskinporten.DefaultJWKSMaxAge); fresh {
			return u, nil
		}
	}
	m, err := maskinporten.FetchMetadata(ctx, r.HTTP(), metaURL)
	if err != nil {
		return "", err
	}
	if m.Issuer != "" && m.Issuer != iss {
		return "", fmt.Errorf("Altinn's openid-configuration at %s names issuer %q, not %q", metaURL, m.Issuer, iss)
	}
	if !r.Env.Embedded {
		cache.putJWKSURI(metaURL, m.JWKSURI, r.Now())
	}
	return m.JWKSURI, nil
}

// summarise says what the token is, for whom, and until when.
func (r *Runtime) summarise(c *maskinporten.Claims, in *Inspection) []string {
	var out []string
	client := orUnknown(c.ClientID)
	switch in.IssuerKind {
	case IssuerMaskinporten:
		out = append(out, fmt.Sprintf("Maskinporten access token for client %s.", client))
	case IssuerAltinn:
		s := fmt.Sprintf("Altinn token, exchanged from a Maskinporten token for client %s", client)
		if c.AltinnAuthLevel != "" {
			s += ", authentication level " + c.AltinnAuthLevel
		}
		out = append(out, s+".")
	default:
		out = append(out, fmt.Sprintf("Token from %s, which is neither this environment's Maskinporten nor its Altinn.", orUnknown(c.Issuer)))
	}
	if su := in.SystemUser; su != nil {
		out = append(out, fmt.Sprintf("System-user token (systembruker): customer %s lets system %s act for it, as system user %s.",
			orUnknown(su.CustomerOrg), orUnknown(su.SystemID), orUnknown(strings.Join(su.SystemUserIDs, ", "))))
	}
	if c.Consumer != nil {
		out = append(out, fmt.Sprintf("Vendor (consumer): %s%s.", c.Consumer.OrgNo(), r.ours(c.Consumer.OrgNo())))
	}
	if c.Supplier != nil {
		out = append(out, fmt.Sprintf("Supplier (Altinn API delegation): %s%s.", c.Supplier.OrgNo(), r.ours(c.Supplier.OrgNo())))
	}
	if s := c.Scopes(); len(s) > 0 {
		out = append(out, "Scopes: "+strings.Join(s, ", ")+".")
	}
	if len(c.Audience) > 0 {
		out = append(out, "Only for (aud): "+strings.Join(c.Audience, ", ")+".")
	}
	for _, name := range c.InvalidTimes {
		out = append(out, fmt.Sprintf("Its %s claim is not a valid time (seconds since 1970, before year 10000): no issuer writes that.", name))
	}
	switch {
	case in.ExpiresAt == nil && !slices.Contains(c.InvalidTimes, "exp"):
		out = append(out, "No expiry (exp) claim.")
	case in.ExpiresAt == nil:
		// An invalid exp is named above.
	default:
		out = append(out, fmt.Sprintf("%s%s (%s).", strings.ToUpper(in.Expiry[:1]), in.Expiry[1:], in.ExpiresAt.Format(time.RFC3339)))
	}
	if in.Verified {
		out = append(out, fmt.Sprintf("Signature verified with key %s from %s.", in.KeyID, in.JWKSURL))
	} else {
		out = append(out, "Not verified: add --verify to check the signature and issuer.")
	}
	return out
}

// ours marks the profile's own organisation.
func (r *Runtime) ours(orgNo string) string {
	if orgNo != "" && orgNo == r.Facts.OrgNo {
		return " (this profile's organisation)"
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// Expiry is a countdown to exp for people: "expires in 1m52s", or, once
// past, "expired 3m ago" (to the minute: seconds no longer matter then).
func Expiry(exp, now time.Time) string {
	// Past a century a Duration overflows; years say enough there.
	switch y := exp.Year() - now.Year(); {
	case y > 100:
		return fmt.Sprintf("expires in %d years", y)
	case y < -100:
		return fmt.Sprintf("expired %d years ago", -y)
	}
	d := exp.Sub(now)
	if d > 0 {
		return "expires in " + shortDuration(d.Round(time.Second))
	}
	d = -d
	if d >= time.Minute {
		d = d.Truncate(time.Minute)
	}
	return "expired " + shortDuration(d.Round(time.Second)) + " ago"
}

// shortDuration writes d with its two largest units: 45s, 1m52s, 2h5m, 3d4h.
func shortDuration(d time.Duration) string {
	two := func(a int64, ua string, b int64, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d%s", a, ua)
		}
		return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return two(s/60, "m", s%60, "s")
	case s < 86400:
		return two(s/3600, "h", s%3600/60, "m")
	}
	return two(s/86400, "d", s%86400/3600, "h")
}
