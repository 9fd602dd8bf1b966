package flows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/systembruker/systembruker/api/altinn"
	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/orgno"
)

// TokenRequest asks for an access token. Empty fields take the profile's
// values (client id, key, scopes); see Runtime.Token.
type TokenRequest struct {
	Scopes        []string
	ClientID      string
	KeyName       string
	SystemUserOrg string // the customer's org number: a system-user token
	ExternalRef   string // the system-user request's externalRef, if it set one
	Resource      string // RFC 8707 audience restriction
	Altinn        bool   // exchange the Maskinporten token for an Altinn token
	NoCache       bool   // neither read nor write the token cache
	X5C           bool   // sign with the key's certificate chain instead of its kid
	Alg           string // RS256 (default), RS384 or RS512
}

// TokenResult is an access token and what it says. It is a secret: String
// redacts it.
type TokenResult struct {
	AccessToken string
	TokenType   string
	Scope       string
	ExpiresIn   int // seconds left when returned
	ExpiresAt   time.Time
	// Header and Claims are the token decoded, not verified.
	Header, Claims map[string]any
	FromCache      bool
	Altinn         bool
}

// String describes the result without the token.
func (t TokenResult) String() string {
	kind := "Maskinporten"
	if t.Altinn {
		kind = "Altinn"
	}
	return fmt.Sprintf("%s token for %q, expires %s", kind, t.Scope, t.ExpiresAt.Format(time.RFC3339))
}

// GoString redacts like String, for %#v.
func (t TokenResult) GoString() string { return "flows.TokenResult{" + t.String() + "}" }

// InputError is a token request that must be fixed before anything is sent:
// a setting that is neither given nor in the profile, or options that do not
// fit together. It names the flag and the command that sets things up; the
// CLI exits 2 on it.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// AnswerError is a refusal from Maskinporten or Altinn. Error and Hint come
// from the wrapped error; Verbose is the raw answer (JWTs already redacted by
// the API clients) for --verbose.
type AnswerError struct {
	Service string // "Maskinporten" or "Altinn"
	Status  int
	Body    []byte
	Err     error
}

func (e *AnswerError) Error() string { return e.Err.Error() }
func (e *AnswerError) Unwrap() error { return e.Err }

// Verbose is the service's raw answer.
func (e *AnswerError) Verbose() string {
	body := string(bytes.TrimSpace(e.Body))
	if body == "" {
		body = "(empty body)"
	}
	return fmt.Sprintf("%s answered HTTP %d:\n%s", e.Service, e.Status, body)
}

func wrapAnswer(err error) error {
	var mp *maskinporten.Error
	if errors.As(err, &mp) {
		return &AnswerError{Service: "Maskinporten", Status: mp.Status, Body: mp.Body, Err: err}
	}
	var ex *altinn.ExchangeError
	if errors.As(err, &ex) {
		return &AnswerError{Service: "Altinn", Status: ex.Status, Body: ex.Body, Err: err}
	}
	return err
}

// Token returns an access token: from the token cache when one is still
// valid for more than TokenReuseMargin, else freshly from Maskinporten (and,
// with Altinn set, exchanged at Altinn). Empty request fields take the
// profile's client id, key and scopes.
//
// It is the hot path of `systembruker token`, so it does only what the
// answer needs: it reads the key's metadata for the kid, decides a cache
// miss from the entry's clear expiry, reads the keychain once, and fetches
// no metadata or key sets (the token endpoint is <MaskinportenURL>/token and
// the audience is Env.Issuer).
func (r *Runtime) Token(ctx context.Context, req TokenRequest) (*TokenResult, error) {
	j, err := r.newTokenJob(req)
	if err != nil {
		return nil, err
	}
	if j.req.Altinn {
		return j.altinnToken(ctx)
	}
	return j.maskinportenToken(ctx)
}

// tokenJob is one Token call: the checked request and the key, loaded at
// most once whichever of cache and network needs it.
type tokenJob struct {
	r     *Runtime
	req   TokenRequest
	info  keystore.Info
	grant maskinporten.Grant
	cache *tokenCache // nil: bypass

	key    *keystore.Key
	keyErr error
}

func (r *Runtime) newTokenJob(req TokenRequest) (*tokenJob, error) {
	req, err := r.completeTokenRequest(req)
	if err != nil {
		return nil, err
	}
	// The grant's fields are checked before anything else is touched: a
	// token pasted as client id or an absurd scope is refused here, locally.
	g := maskinporten.Grant{
		Audience: r.Env.Issuer, ClientID: req.ClientID, Scopes: req.Scopes, Resource: req.Resource,
		SystemUserOrg: req.SystemUserOrg, ExternalRef: req.ExternalRef,
	}
	if err := g.Validate(); err != nil {
		return nil, &InputError{err.Error()}
	}
	info, err := r.Keys.Info(req.KeyName)
	if errors.Is(err, keystore.ErrNotFound) {
		return nil, inputErrorf("no key named %s: see `systembruker keys list`, or generate one with `systembruker keys generate`", req.KeyName)
	}
	if err != nil {
		return nil, err
	}
	if req.X5C && info.Certificate == nil {
		return nil, inputErrorf("key %s has no certificate: --x5c signs with a virksomhetssertifikat chain; "+
			"import one with `systembruker keys import` (.p12, or PEM with the certificates), or drop --x5c to sign with the registered kid", req.KeyName)
	}
	j := &tokenJob{r: r, req: req, info: info, grant: g}
	if !req.NoCache {
		j.cache = &tokenCache{dir: filepath.Join(r.Dirs.Cache, "tokens"), now: r.Now}
	}
	return j, nil
}

// completeTokenRequest fills defaults from the profile and checks what can
// be checked without the key.
func (r *Runtime) completeTokenRequest(req TokenRequest) (TokenRequest, error) {
	f := r.Facts
	if len(req.Scopes) == 0 {
		req.Scopes = f.Scopes
	}
	if len(req.Scopes) == 0 {
		return req, inputErrorf("no scope: pass --scope (repeat it for several), or record the client's scopes with `systembruker client create`")
	}
	if req.ClientID == "" {
		req.ClientID = f.ClientID
	}
	if req.ClientID == "" {
		return req, inputErrorf("no Maskinporten client id: pass --client-id, or create a client with `systembruker client create`")
	}
	if err := maskinporten.CheckClientID(req.ClientID); err != nil {
		return req, &InputError{err.Error()}
	}
	if req.KeyName == "" {
		req.KeyName = f.KeyName
	}
	if req.KeyName == "" {
		return req, inputErrorf("no signing key: pass --key NAME, or generate one with `systembruker keys generate`")
	}
	if req.SystemUserOrg != "" {
		n, err := orgno.Normalize(req.SystemUserOrg)
		if err != nil {
			return req, inputErrorf("--systemuser-org: %v", err)
		}
		req.SystemUserOrg = n
	}
	if req.ExternalRef != "" && req.SystemUserOrg == "" {
		return req, inputErrorf("--external-ref needs --systemuser-org: an externalRef only applies to a system-user token")
	}
	switch strings.ToUpper(req.Alg) {
	case "", "RS256", "RS384", "RS512":
		req.Alg = strings.ToUpper(req.Alg)
	default:
		return req, inputErrorf("--alg %q: Maskinporten accepts RS256, RS384 or RS512", req.Alg)
	}
	return req, nil
}

func (j *tokenJob) cacheKey(altinnToken bool) string {
	env := j.r.Env
	k := cacheKey{
		Env: env.Name, Issuer: env.Issuer, MaskinportenURL: j.r.stableURL(env.MaskinportenURL),
		ClientID: j.req.ClientID, KeyName: j.req.KeyName, KID: j.info.KID, X5C: j.req.X5C,
		Scopes: j.req.Scopes, Resource: j.req.Resource,
		SystemUserOrg: j.req.SystemUserOrg, ExternalRef: j.req.ExternalRef,
		Altinn: altinnToken,
	}
	if altinnToken {
		k.AltinnURL = j.r.stableURL(env.AltinnURL)
	}
	return k.hash()
}

// signingKey loads the key from the keystore once; a failure is remembered
// so that a hung keychain is not waited for twice.
func (j *tokenJob) signingKey() (*keystore.Key, error) {
	if j.key == nil && j.keyErr == nil {
		j.key, j.keyErr = j.r.Keys.Load(j.req.KeyName)
	}
	return j.key, j.keyErr
}

func (j *tokenJob) signer() (maskinporten.Signer, error) {
	k, err := j.signingKey()
	if err != nil {
		return maskinporten.Signer{}, err
	}
	s := maskinporten.Signer{Key: k.Private, Alg: j.req.Alg}
	if j.req.X5C {
		s.Chain = k.Chain
	} else {
		s.KID = j.info.KID
	}
	return s, nil
}

// cached returns the cache's token for hash, or nil on a miss. Only a hit
// reads the keychain.
func (j *tokenJob) cached(hash string, altinnToken bool) *TokenResult {
	if j.cache == nil {
		return nil
	}
	f, ok := j.cache.lookup(hash)
	if !ok {
		return nil
	}
	k, err := j.signingKey()
	if err != nil {
		return nil // the miss path reports the error
	}
	tok, ok := j.cache.open(f, hash, k.Private, j.info.KID)
	if !ok {
		return nil
	}
	left := int(tok.ExpiresAt.Sub(j.r.Now()) / time.Second)
	return newTokenResult(*tok, left, true, altinnToken)
}

// remember writes a fresh token to the cache. A failed write is ignored: the
// token is good, and the next call just fetches again.
func (j *tokenJob) remember(hash string, tok cachedToken) {
	if j.cache == nil || !j.cache.usable(tok.ExpiresAt) {
		return
	}
	if k, err := j.signingKey(); err == nil {
		j.cache.put(hash, k.Private, j.info.KID, tok)
	}
}

func (j *tokenJob) maskinportenToken(ctx context.Context) (*TokenResult, error) {
	hash := j.cacheKey(false)
	if res := j.cached(hash, false); res != nil {
		return res, nil
	}
	if err := j.r.Connect(); err != nil {
		return nil, err
	}
	// Dial Maskinporten while the key comes out of the keychain.
	j.r.prewarm(j.r.Env.MaskinportenURL + "/token")
	s, err := j.signer()
	if err != nil {
		return nil, err
	}
	c := &maskinporten.Client{HTTP: j.r.HTTP(), BaseURL: j.r.Env.MaskinportenURL, Now: j.r.Now}
	tok, err := c.Token(ctx, j.grant, s)
	if err != nil {
		return nil, wrapAnswer(err)
	}
	ct := cachedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, Scope: tok.Scope, ExpiresAt: tok.ExpiresAt().UTC()}
	j.remember(hash, ct)
	// A fresh token proves the client and key. Failing to note it is not
	// the token's failure: the next one tries again.
	_ = j.r.recordProof(j.req.ClientID, j.info.KID)
	return newTokenResult(ct, tok.ExpiresIn, false, false), nil
}

// altinnToken exchanges a Maskinporten token (cached or not) at Altinn. The
// Altinn token has its own lifetime, read from its exp claim, and its own
// cache entry.
func (j *tokenJob) altinnToken(ctx context.Context) (*TokenResult, error) {
	hash := j.cacheKey(true)
	if res := j.cached(hash, true); res != nil {
		return res, nil
	}
	mp, err := j.maskinportenToken(ctx)
	if err != nil {
		return nil, err
	}
	if err := j.r.Connect(); err != nil {
		return nil, err
	}
	tok, err := altinn.Exchange(ctx, j.r.HTTP(), j.r.Env.AltinnURL, mp.AccessToken)
	if err != nil {
		return nil, wrapAnswer(err)
	}
	ct := cachedToken{AccessToken: tok, TokenType: "Bearer"}
	if d, err := maskinporten.Decode(tok); err == nil {
		if c, err := d.TypedClaims(); err == nil {
			ct.Scope, ct.ExpiresAt = c.Scope, c.ExpiresAt
		}
	}
	j.remember(hash, ct)
	left := max(int(ct.ExpiresAt.Sub(j.r.Now())/time.Second), 0)
	return newTokenResult(ct, left, false, true), nil
}

func newTokenResult(t cachedToken, expiresIn int, fromCache, altinnToken bool) *TokenResult {
	res := &TokenResult{
		AccessToken: t.AccessToken, TokenType: t.TokenType, Scope: t.Scope,
		ExpiresIn: expiresIn, ExpiresAt: t.ExpiresAt, FromCache: fromCache, Altinn: altinnToken,
	}
	if d, err := maskinporten.Decode(t.AccessToken); err == nil {
		res.Header, res.Claims = d.Header, d.Claims
	}
	return res
}
