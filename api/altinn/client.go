package altinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds what we read of an answer; the largest Altinn answers (a
// vendor's list of systems) are tens of kB.
const maxBody = 8 << 20

// Client calls an Altinn platform API with a bearer token. It is shared by
// the per-service clients (systemregister, …).
type Client struct {
	HTTP    *http.Client // nil: http.DefaultClient
	BaseURL string       // the platform base, e.g. https://platform.tt02.altinn.no
	// Token returns the bearer token: an Altinn token from Exchange (the
	// authentication APIs also take a Maskinporten token). It is called for
	// every request, so it should cache.
	Token func(ctx context.Context) (string, error)
}

// Do sends in (unless nil) as JSON to method path and decodes a 2xx answer
// into out (unless nil). Any other answer is an *Error. path is relative to
// BaseURL and already escaped.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("Altinn URL %q is not an absolute http(s) URL: check the environment settings", c.BaseURL)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token == nil {
		return errors.New("altinn: no token source")
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Altinn: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("cannot reach Altinn: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return ParseError(method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("Altinn answered %s %s with %d bytes that are not the expected JSON (%v)", method, path, len(data), err)
	}
	return nil
}
