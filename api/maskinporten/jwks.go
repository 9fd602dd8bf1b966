package maskinporten

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// Metadata is the part of an RFC 8414 / OpenID discovery document we use.
type Metadata struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
	JWKSURI       string `json:"jwks_uri"`
}

// MetadataURL is where Maskinporten publishes its metadata, given its base URL.
func MetadataURL(baseURL string) string {
	return trimSlash(baseURL) + "/.well-known/oauth-authorization-server"
}

// JWKSURL is Maskinporten's key set, given its base URL.
func JWKSURL(baseURL string) string { return trimSlash(baseURL) + "/jwk" }

// FetchMetadata GETs a discovery document (Maskinporten's or Altinn's).
func FetchMetadata(ctx context.Context, hc *http.Client, url string) (*Metadata, error) {
	var m Metadata
	if err := getJSON(ctx, hc, url, "metadata", &m); err != nil {
		return nil, err
	}
	if m.JWKSURI == "" {
		return nil, fmt.Errorf("metadata at %s has no jwks_uri", url)
	}
	return &m, nil
}

// FetchJWKS GETs a JSON Web Key Set.
func FetchJWKS(ctx context.Context, hc *http.Client, url string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, hc, url, "key set", &set); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if len(set.Keys) == 0 {
		return jose.JSONWebKeySet{}, fmt.Errorf("key set at %s has no keys", url)
	}
	return set, nil
}

func getJSON(ctx context.Context, hc *http.Client, url, what string, v any) error {
	if hc == nil {
		hc = defaultHTTP
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fetching %s: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("fetching %s from %s: %w", what, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching %s from %s: HTTP %d", what, url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s from %s is not valid JSON: %w", what, url, err)
	}
	return nil
}

// JWKSCache stores key sets by URL with the time they were fetched. The
// CLI keeps one on disk so `token inspect --verify` need not fetch every time.
type JWKSCache interface {
	Get(url string) (set jose.JSONWebKeySet, fetched time.Time, ok bool)
	Put(url string, set jose.JSONWebKeySet, fetched time.Time)
}

// MemoryCache is a JWKSCache in memory. The zero value is ready to use.
type MemoryCache struct {
	mu sync.Mutex
	m  map[string]cachedSet
}

type cachedSet struct {
	set     jose.JSONWebKeySet
	fetched time.Time
}

func (c *MemoryCache) Get(url string) (jose.JSONWebKeySet, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[url]
	return e.set, e.fetched, ok
}

func (c *MemoryCache) Put(url string, set jose.JSONWebKeySet, fetched time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedSet{}
	}
	c.m[url] = cachedSet{set, fetched}
}

// Defaults for Verifier.
const (
	// DefaultJWKSMaxAge follows Digdir's advice to cache its JWKS for a day.
	DefaultJWKSMaxAge = 24 * time.Hour
	// RefetchInterval limits refetches for an unknown kid, so a stream of
	// forged kids cannot make us hammer the issuer.
	RefetchInterval = time.Minute
)

// Verifier checks tokens against an issuer's published keys.
type Verifier struct {
	HTTP    *http.Client // nil: a client with a 30 s timeout
	JWKSURL string
	Issuer  string           // the required iss, e.g. https://test.maskinporten.no/
	Cache   JWKSCache        // nil: a private MemoryCache
	MaxAge  time.Duration    // refetch a cached set older than this (0: 24 h)
	Now     func() time.Time // nil: time.Now

	initOnce sync.Once
	cache    JWKSCache
	group    singleflight.Group
}

// Verified is a token whose signature and issuer checked out. Expiry is
// reported, not enforced: inspecting an expired token is still useful.
type Verified struct {
	*Decoded
	KeyID     string
	Algorithm string
	ExpiresAt time.Time // zero when the token has no exp
	Expired   bool
}

var verifyAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512}

// Verify checks token's signature against the key named by its kid and its
// iss against v.Issuer.
func (v *Verifier) Verify(ctx context.Context, token string) (*Verified, error) {
	if v.JWKSURL == "" || v.Issuer == "" {
		return nil, errors.New("verifier: JWKSURL and Issuer must both be set")
	}
	d, err := Decode(token)
	if err != nil {
		return nil, err
	}
	jws, err := jose.ParseSignedCompact(cleanToken(token), verifyAlgs)
	if err != nil {
		return nil, fmt.Errorf("token is not a JWT signed with RS256, RS384 or RS512: %w", err)
	}
	hdr := jws.Signatures[0].Header
	if hdr.KeyID == "" {
		return nil, errors.New("token header has no kid: cannot tell which published key signed it")
	}
	key, err := v.key(ctx, hdr.KeyID)
	if err != nil {
		return nil, err
	}
	if key.Algorithm != "" && key.Algorithm != hdr.Algorithm {
		return nil, fmt.Errorf("token is signed with %s but key %s is for %s", hdr.Algorithm, hdr.KeyID, key.Algorithm)
	}
	if _, err := jws.Verify(key); err != nil {
		return nil, fmt.Errorf("signature does not verify with key %s from %s: the token was altered or not issued there", hdr.KeyID, v.JWKSURL)
	}
	c, err := d.TypedClaims()
	if err != nil {
		return nil, err
	}
	if len(c.InvalidTimes) > 0 {
		return nil, fmt.Errorf("token claim %s is not a valid time (seconds since 1970): it cannot be trusted", c.InvalidTimes[0])
	}
	if c.Issuer != v.Issuer {
		return nil, fmt.Errorf("token issuer is %q, expected %q: is it from another environment?", c.Issuer, v.Issuer)
	}
	out := &Verified{Decoded: d, KeyID: hdr.KeyID, Algorithm: hdr.Algorithm, ExpiresAt: c.ExpiresAt}
	out.Expired = !c.ExpiresAt.IsZero() && !v.now().Before(c.ExpiresAt)
	return out, nil
}

// key finds kid in the cached set, fetching when there is no fresh set, and
// refetching for an unknown kid (keys rotate) at most once per
// RefetchInterval.
func (v *Verifier) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	set, fetched, ok := v.getCache().Get(v.JWKSURL)
	maxAge := v.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultJWKSMaxAge
	}
	fresh := false
	if !ok || v.now().Sub(fetched) > maxAge {
		var err error
		if set, err = v.fetch(ctx); err != nil {
			return nil, err
		}
		fresh = true
	}
	if k := sigKey(set, kid); k != nil {
		return k, nil
	}
	if !fresh && v.now().Sub(fetched) >= RefetchInterval {
		var err error
		if set, err = v.fetch(ctx); err != nil {
			return nil, err
		}
		if k := sigKey(set, kid); k != nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("no key with kid %s at %s: the token was not issued by this environment, or its key is gone", kid, v.JWKSURL)
}

// fetch collapses concurrent fetches of the same URL into one.
func (v *Verifier) fetch(ctx context.Context) (jose.JSONWebKeySet, error) {
	r, err, _ := v.group.Do(v.JWKSURL, func() (any, error) {
		set, err := FetchJWKS(ctx, v.HTTP, v.JWKSURL)
		if err != nil {
			return nil, err
		}
		v.getCache().Put(v.JWKSURL, set, v.now())
		return set, nil
	})
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return r.(jose.JSONWebKeySet), nil
}

func sigKey(set jose.JSONWebKeySet, kid string) *jose.JSONWebKey {
	for _, k := range set.Key(kid) {
		if k.Use == "" || k.Use == "sig" {
			pub := k.Public()
			return &pub
		}
	}
	return nil
}

func (v *Verifier) getCache() JWKSCache {
	v.initOnce.Do(func() {
		v.cache = v.Cache
		if v.cache == nil {
			v.cache = &MemoryCache{}
		}
	})
	return v.cache
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
