package selfservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// TokenSource gives Maskinporten access tokens of the organisation's admin
// client. The caller decides how (cache, key, certificate); the API asks for
// the scopes each call needs and nothing more.
type TokenSource interface {
	Token(ctx context.Context, scopes []string) (string, error)
}

// Admin-token scopes.
const (
	ScopeRead  = "idporten:dcr.read"
	ScopeWrite = "idporten:dcr.write"
)

// scopesFor maps a method to the admin-token scope it needs, after the
// reference's scope table and what peers do in production: dcr.read for
// reads, dcr.write for creating, updating and deleting clients and for
// writing keys.
//
// Unconfirmed: Digdir's docs also name idporten:dcr.modify for modifying
// existing clients. PUT does not ask for it, because a token request for a
// scope the admin client was not granted fails outright, and peers
// (digdirator) update clients with dcr.write alone. Which scope authorises
// GET /scopes/access/all is not documented either; dcr.read is what an
// admin client always has.
func scopesFor(method string) []string {
	if method == http.MethodGet {
		return []string{ScopeRead}
	}
	return []string{ScopeWrite}
}

// API is a client of one environment's self-service API. It is safe for
// concurrent use.
type API struct {
	base   string // e.g. https://api.test.samarbeid.digdir.no/api/v1, no trailing slash
	tokens TokenSource
	hc     *http.Client
	// sleep waits between retries; tests replace it to see the waits
	// without taking them.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns an API for base, the API root including its version path
// (config.Environment.SelfServiceURL). hc nil means http.DefaultClient.
func New(base string, tokens TokenSource, hc *http.Client) (*API, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("self-service API base %q is not an http(s) URL: expected e.g. https://api.test.samarbeid.digdir.no/api/v1", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("self-service API base %q must not have a query or fragment", base)
	}
	if tokens == nil {
		return nil, errors.New("self-service API: no admin token source")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &API{base: strings.TrimRight(base, "/"), tokens: tokens, hc: hc, sleep: sleepCtx}, nil
}

// Retry policy. Only reads are retried on an answer; a write is retried
// only when the connection failed before any of the request was written,
// because Digdir may have acted on a write whose answer was lost.
const (
	maxRetries   = 3
	firstBackoff = 500 * time.Millisecond
	// maxWait bounds a server's Retry-After: a longer wait is better left
	// to the user than spent in a silent terminal.
	maxWait = 30 * time.Second
	// maxBody bounds what is read of an answer.
	maxBody = 8 << 20
)

// do sends one request and decodes a 2xx answer into out (when out is not
// nil and the answer has a body). Any other answer is an *Error.
func (a *API) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	body, err := a.call(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("self-service API: %s %s: unreadable answer: %w", method, path, err)
	}
	return nil
}

// call returns the body of a 2xx answer.
func (a *API) call(ctx context.Context, method, path string, query url.Values, in any) ([]byte, error) {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("self-service API: %s %s: %w", method, path, err)
		}
	}
	scopes := scopesFor(method)
	token, err := a.tokens.Token(ctx, scopes)
	if err != nil {
		return nil, fmt.Errorf("self-service API: getting an admin token with %s: %w", strings.Join(scopes, " "), err)
	}
	target := a.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		status, header, body, sent, err := a.send(ctx, method, target, token, payload)
		retry := attempt < maxRetries
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if retry && (method == http.MethodGet || !sent) {
				if err := a.sleep(ctx, backoff(attempt)); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("self-service API: %s %s: %w", method, path, err)
		}
		if status >= 200 && status < 300 {
			return body, nil
		}
		if retry && method == http.MethodGet && (status == http.StatusTooManyRequests || status >= 500) {
			if wait, ok := retryWait(header, backoff(attempt)); ok {
				if err := a.sleep(ctx, wait); err != nil {
					return nil, err
				}
				continue
			}
		}
		return nil, parseError(method, path, status, body)
	}
}

// send makes one attempt. sent reports whether any of the request may have
// reached the server: false only when the request headers were never
// written, which is when a write can be retried safely.
func (a *API) send(ctx context.Context, method, target, token string, payload []byte) (status int, header http.Header, body []byte, sent bool, err error) {
	// The transport reports from its own goroutine.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}
	var r io.Reader
	if payload != nil {
		r = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, target, r)
	if err != nil {
		return 0, nil, nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, nil, wrote.Load(), err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, true, err
	}
	return resp.StatusCode, resp.Header, body, true, nil
}

func backoff(attempt int) time.Duration { return firstBackoff << attempt }

// retryWait honours Retry-After (seconds or an HTTP date). ok is false when
// the server asks for a longer wait than maxWait.
func retryWait(h http.Header, fallback time.Duration) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return fallback, true
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	} else {
		return fallback, true
	}
	d = max(d, 0)
	return d, d <= maxWait
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clientPath is /clients/{id}[/suffix] for a validated id.
func clientPath(id string, suffix string) (string, error) {
	if err := ValidClientID(id); err != nil {
		return "", err
	}
	return "/clients/" + url.PathEscape(id) + suffix, nil
}
