package maskinporten

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GrantType is the OAuth grant type of a JWT-bearer grant (RFC 7523).
const GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Defaults for Client.
const (
	DefaultMaxAttempts = 4
	DefaultMaxWait     = 10 * time.Second
)

// maxBody bounds what we read from any response; Maskinporten's answers are
// a few hundred bytes.
const maxBody = 1 << 20

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// Client requests access tokens from Maskinporten's token endpoint.
//
// Network errors, HTTP 429 and 5xx are retried with exponential backoff and
// jitter, honouring Retry-After; each attempt signs a new grant, since a
// grant's jti may be used only once. Other 4xx are final.
type Client struct {
	HTTP *http.Client // nil: a client with a 30 s timeout
	// BaseURL is the token service base, e.g. https://test.maskinporten.no;
	// the token endpoint is BaseURL+"/token".
	BaseURL string
	Now     func() time.Time // nil: time.Now
	// MaxAttempts bounds the requests made per Token call (0: 4).
	MaxAttempts int
	// MaxWait bounds the total time spent waiting between attempts (0: 10 s).
	// A Retry-After longer than what is left ends the retries: sending
	// earlier than the server asked would only be refused again.
	MaxWait time.Duration

	sleep func(context.Context, time.Duration) error // test seam; nil: sleepCtx
}

// Token is a Maskinporten access token.
type Token struct {
	AccessToken string
	TokenType   string
	ExpiresIn   int // seconds, as Maskinporten sent it; 0 when absent
	Scope       string
	// ReceivedAt is when the request was sent, which is no later than when
	// the token was issued, so ExpiresAt errs on the early side.
	ReceivedAt time.Time
}

// ExpiresAt is when the token stops working, per expires_in.
func (t Token) ExpiresAt() time.Time {
	return t.ReceivedAt.Add(time.Duration(t.ExpiresIn) * time.Second)
}

// String describes the token without revealing it, so a stray %v in a log
// line cannot leak it.
func (t Token) String() string {
	return fmt.Sprintf("%s token for %q, expires %s", t.TokenType, t.Scope, t.ExpiresAt().Format(time.RFC3339))
}

// GoString redacts like String, for %#v.
func (t Token) GoString() string { return "maskinporten.Token{" + t.String() + "}" }

// Token signs g with s and exchanges it for an access token. A refusal is
// returned as *Error; see Error.Hint for what to tell the user.
func (c *Client) Token(ctx context.Context, g Grant, s Signer) (*Token, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	endpoint, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	budget := c.MaxWait
	if budget <= 0 {
		budget = DefaultMaxWait
	}
	for n := 1; ; n++ {
		tok, err := c.try(ctx, endpoint, g, s)
		if err == nil {
			return tok, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		wait, retry := retryWait(err, n)
		if !retry || n >= attempts || wait > budget {
			return nil, err
		}
		if serr := c.sleepFunc()(ctx, wait); serr != nil {
			return nil, fmt.Errorf("gave up asking Maskinporten for a token: %w (last attempt: %w)", serr, err)
		}
		budget -= wait
	}
}

func (c *Client) endpoint() (string, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("Maskinporten URL %q is not an absolute http(s) URL: check the environment settings", c.BaseURL)
	}
	return trimSlash(c.BaseURL) + "/token", nil
}

// try makes one request with a freshly signed grant.
func (c *Client) try(ctx context.Context, endpoint string, g Grant, s Signer) (*Token, error) {
	now := c.now()
	assertion, _, err := g.Sign(s, now)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {GrantType}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &netError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &netError{err}
	}
	if resp.StatusCode != http.StatusOK {
		e := parseError(resp.StatusCode, body)
		e.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		e.ClientID, e.KeyID, e.Scopes, e.SystemUserOrg = g.ClientID, s.KID, g.Scopes, g.SystemUserOrg
		return nil, e
	}
	var wire struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	// The body holds the token: never quote it in an error.
	if err := json.Unmarshal(body, &wire); err != nil || wire.AccessToken == "" {
		return nil, fmt.Errorf("Maskinporten answered 200 without a token response (%d bytes, Content-Type %q)", len(body), resp.Header.Get("Content-Type"))
	}
	return &Token{
		AccessToken: wire.AccessToken,
		TokenType:   wire.TokenType,
		ExpiresIn:   wire.ExpiresIn,
		Scope:       wire.Scope,
		ReceivedAt:  now,
	}, nil
}

// netError is a failure to get an answer at all.
type netError struct{ err error }

func (e *netError) Error() string { return "cannot reach Maskinporten: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// retryWait says whether err after attempt n is worth retrying, and after
// how long.
func retryWait(err error, n int) (time.Duration, bool) {
	var ne *netError
	if errors.As(err, &ne) {
		return backoff(n), transient(ne.err)
	}
	var e *Error
	if errors.As(err, &e) && e.Retryable() {
		// Retry-After is a lower bound; the backoff keeps growing beyond it.
		return max(e.RetryAfter, backoff(n)), true
	}
	return 0, false
}

// transient reports whether a transport error may go away by itself. A
// certificate the client does not trust will not.
func transient(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return !errors.As(err, &verify) && !errors.As(err, &unknown) &&
		!errors.As(err, &hostname) && !errors.As(err, &invalid)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) sleepFunc() func(context.Context, time.Duration) error {
	if c.sleep != nil {
		return c.sleep
	}
	return sleepCtx
}
