// Package altinn is a typed client for the Altinn platform APIs a system
// vendor uses: token exchange, system register, system-user requests.
package altinn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/systembruker/systembruker/internal/redact"
)

// ExchangePath is where Altinn exchanges a Maskinporten token for its own.
const ExchangePath = "/authentication/api/v1/exchange/maskinporten"

// maxExchangeBody bounds what we read; an Altinn token is a few kB.
const maxExchangeBody = 1 << 20

// ExchangeError is Altinn refusing a token exchange. It never contains a token.
type ExchangeError struct {
	Status int
	// Text is Altinn's plain-text reason (sent with 400), trimmed.
	Text string
	// Body is the raw answer for --verbose, JWTs redacted.
	Body []byte
}

func (e *ExchangeError) Error() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "Altinn refused the Maskinporten token (expired, wrong environment, or no consumer claim)"
	case e.Status >= 500:
		return fmt.Sprintf("Altinn token exchange is having trouble (HTTP %d %s)", e.Status, http.StatusText(e.Status))
	case e.Text != "":
		return "Altinn token exchange: " + e.Text
	}
	return fmt.Sprintf("Altinn token exchange refused (HTTP %d %s)", e.Status, http.StatusText(e.Status))
}

// Hint is the next step for the user.
func (e *ExchangeError) Hint() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "get a fresh Maskinporten token, and check that Maskinporten and Altinn are the same environment (test with TT02, prod with prod)"
	case e.Status >= 500:
		return "try again in a few minutes"
	}
	return "run again with --verbose to see Altinn's full answer"
}

// Exchange trades a Maskinporten access token for an Altinn token, which
// Altinn apps and platform APIs require. baseURL is the Altinn platform
// base, e.g. https://platform.tt02.altinn.no. A nil hc means
// http.DefaultClient. Refusals are *ExchangeError.
func Exchange(ctx context.Context, hc *http.Client, baseURL, maskinportenToken string) (string, error) {
	if strings.TrimSpace(maskinportenToken) == "" {
		return "", errors.New("Altinn token exchange: no Maskinporten token to exchange")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("Altinn URL %q is not an absolute http(s) URL: check the environment settings", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+ExchangePath, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(maskinportenToken))
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot reach Altinn: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxExchangeBody))
	if err != nil {
		return "", fmt.Errorf("cannot reach Altinn: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		body = redact.JWTs(body)
		return "", &ExchangeError{Status: resp.StatusCode, Text: firstLine(string(body)), Body: body}
	}
	// The token comes as text/plain; trim defensively in case a proxy or a
	// future version wraps it in white space or JSON string quotes.
	tok := strings.Trim(strings.TrimSpace(string(body)), `"`)
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \t\r\n") {
		// The body may be a token in an unexpected wrapping: do not quote it.
		return "", fmt.Errorf("Altinn token exchange answered 200 without a token (%d bytes, Content-Type %q)", len(body), resp.Header.Get("Content-Type"))
	}
	return tok, nil
}

// firstLine keeps an error line short even when a proxy answers with a page.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	n := 0
	for i := range s {
		if n == 300 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
