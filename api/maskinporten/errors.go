package maskinporten

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/systembruker/systembruker/internal/redact"
	"github.com/systembruker/systembruker/orgno"
)

// Error is a refusal from Maskinporten's token endpoint. Error() is one line
// for humans; Hint() says what to do next; Body keeps the raw answer for
// --verbose. Neither ever contains the grant or a token.
type Error struct {
	Status      int    // HTTP status
	Code        string // OAuth "error", e.g. invalid_grant
	Description string // "error_description" as sent, trace id included
	URI         string // "error_uri", e.g. https://maskinporten.no/errors/MP-121
	MPCode      string // e.g. "MP-121": from URI, else from Description; may be ""
	TraceID     string // Digdir's trace_id or correlation id, for support requests
	Body        []byte // raw response body, JWTs redacted
	// RetryAfter is the server's Retry-After, when it sent one (429/503).
	RetryAfter time.Duration

	// What was asked for, so the explanation can name it. Set by Client.Token.
	ClientID      string
	KeyID         string
	Scopes        []string
	SystemUserOrg string // 9 digits, no prefix
}

func (e *Error) Error() string {
	s := "Maskinporten: " + e.explain().text
	switch {
	case e.MPCode != "":
		s += " (" + e.MPCode + ")"
	case e.Code != "":
		s += " (" + e.Code + ")"
	}
	return s
}

// Hint is the next step for the user, or "" when there is nothing better
// than reading the error.
func (e *Error) Hint() string { return e.explain().hint }

// NoSystemUser reports whether Maskinporten found no usable system user for
// the grant (MP-303): none exists, it is not approved yet, it belongs to
// another system or client, or the externalRef differs.
func (e *Error) NoSystemUser() bool {
	return e.MPCode == "MP-303" || e.Code == "invalid_altinn_customer_configuration"
}

// Retryable reports whether the same request may succeed later unchanged.
func (e *Error) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

const verboseHint = "run again with --verbose to see Maskinporten's full answer"

// The patterns are compiled on first use: errors are the rare path, and the
// token command's cold start is benchmarked.
var (
	mpCodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`MP-\d{3}`) })
	traceRE  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\s*\((?:trace_id|correlation id):\s*([^)]*)\)`)
	})
)

// parseError builds an Error from a non-200 response body. It never fails:
// a body that is not Maskinporten's JSON still gives an Error with Status.
func parseError(status int, body []byte) *Error {
	body = redact.JWTs(body)
	e := &Error{Status: status, Body: body}
	var wire struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if json.Unmarshal(body, &wire) == nil {
		e.Code, e.Description, e.URI = wire.Error, wire.Description, wire.URI
	}
	if m := traceRE().FindStringSubmatch(e.Description); m != nil {
		e.TraceID = strings.TrimSpace(m[1])
	}
	e.MPCode = mpCode(e.URI, e.Description, e.Code)
	return e
}

// mpCode prefers error_uri (…/errors/MP-121), then a code quoted in the
// text, then recognises the documented description stems.
func mpCode(uri, desc, code string) string {
	if c := mpCodeRE().FindString(uri); c != "" {
		return c
	}
	if c := mpCodeRE().FindString(desc); c != "" {
		return c
	}
	if code == "invalid_altinn_customer_configuration" {
		return "MP-303"
	}
	d := strings.ToLower(desc)
	for _, s := range stems {
		if strings.Contains(d, s.stem) {
			return s.code
		}
	}
	if strings.TrimSpace(strings.ToLower(traceRE().ReplaceAllString(desc, ""))) == "invalid assertion. client authentication failed." {
		return "MP-100"
	}
	return ""
}

// stems maps documented error_description fragments (lower case) to MP
// codes. Order matters: "expired key" must win over "expired".
var stems = []struct{ stem, code string }{
	{"expired key", "MP-121"},
	{"client not found", "MP-100"},
	{"invalid jwt claim aud", "MP-110"},
	{"does not match certificate orgno", "MP-122"},
	{"invalid certificate", "MP-120"},
	{"header x5c", "MP-123"},
	{"invalid jwt signature", "MP-124"},
	{"is expired", "MP-130"},
	{"has expired", "MP-130"},
	{"invalid parameter value", "MP-011"},
	{"used before", "MP-012"},
	{"invalid scopes for client", "MP-200"},
	{"not allowed for maskinporten", "MP-201"},
	{"has not delegated access", "MP-251"},
	{"has not been granted access", "MP-250"},
	{"unknown authorization details type", "MP-301"},
	{"unknown fields in the authorization details", "MP-302"},
	{"invalid authorization details values", "MP-303"},
}

type explanation struct{ text, hint string }

// explain turns the error into a plain sentence and a next step. Failures
// without an MP code are recognised first, because their text is more
// specific than whatever code a server might attach.
func (e *Error) explain() explanation {
	d := strings.ToLower(e.Description)
	switch {
	case strings.Contains(d, "unknown key identifier"):
		return explanation{
			fmt.Sprintf("key id %s is not registered on client %s", orUnknown(e.KeyID), orUnknown(e.ClientID)),
			"unknown kid: a newly uploaded key can take a few minutes to reach Maskinporten — wait and retry, or check `systembruker client keys list`",
		}
	case strings.Contains(d, "requires pre-registered jwk"):
		return explanation{
			fmt.Sprintf("client %s has registered keys, so the grant must name one with kid, but it was signed with a virksomhetssertifikat (x5c)", orUnknown(e.ClientID)),
			"sign with a registered key, or upload the certificate to the client in Digdir's self-service portal",
		}
	case strings.Contains(d, "issue time"):
		return explanation{
			"the grant's issue time (iat) is in the future by Maskinporten's clock",
			"clock skew: check that this machine's clock is NTP-synced",
		}
	case strings.Contains(d, "too long lifetime"):
		return explanation{
			"the grant's lifetime (exp − iat) is too long",
			"keep the grant lifetime at or below 120 seconds",
		}
	}
	if x, ok := e.explainCode(); ok {
		return x
	}
	return e.explainStatus()
}

func (e *Error) explainCode() (explanation, bool) {
	client := orUnknown(e.ClientID)
	switch e.MPCode {
	case "MP-100":
		return explanation{
			fmt.Sprintf("client %s is unknown to this Maskinporten (wrong client id, or a client from the other environment)", client),
			"check the client id with `systembruker client list`, and that test clients are used against test and prod clients against prod",
		}, true
	case "MP-110":
		return explanation{
			"the grant's audience is not this Maskinporten's issuer",
			"the audience must be the issuer with its trailing slash, e.g. https://test.maskinporten.no/: check the environment's issuer",
		}, true
	case "MP-120":
		return explanation{
			"the grant is signed with a certificate Maskinporten does not accept (invalid, expired, revoked, or a test certificate in production)",
			"use a valid virksomhetssertifikat for this environment: test certificates only work in test, production certificates only in production",
		}, true
	case "MP-121":
		return explanation{
			fmt.Sprintf("key expired: key %s on client %s is past its expiry", orUnknown(e.KeyID), client),
			"key expired: run `systembruker keys rotate`",
		}, true
	case "MP-122":
		return explanation{
			"the certificate's organisation number is not the organisation that owns the client",
			"sign with the virksomhetssertifikat of the organisation that owns the client",
		}, true
	case "MP-123":
		return explanation{
			"Maskinporten could not read the certificate chain (x5c) in the grant",
			"check the virksomhetssertifikat file (it must hold the certificate with its private key); " + verboseHint,
		}, true
	case "MP-124":
		return explanation{
			fmt.Sprintf("the grant's signature does not match key %s registered on client %s", orUnknown(e.KeyID), client),
			"the private key here is not the one registered on the client: compare with `systembruker client keys list`, or run `systembruker keys rotate`",
		}, true
	case "MP-130":
		return explanation{
			"the grant had expired when Maskinporten checked it",
			"clock skew: check that this machine's clock is NTP-synced",
		}, true
	case "MP-011":
		return explanation{
			"Maskinporten could not parse the grant",
			"this is a bug in systembruker: please report it; " + verboseHint,
		}, true
	case "MP-012":
		return explanation{
			"the grant's jti was used before (Maskinporten refuses replays)",
			"try again: every attempt signs a new grant; if it repeats, check that this machine's clock is NTP-synced",
		}, true
	case "MP-200":
		return explanation{
			fmt.Sprintf("scope %s is not registered on client %s", e.scopeIn("for client,"), client),
			"add the scope to the client in Digdir's self-service portal, or make a client that has it with `systembruker client create --scope`",
		}, true
	case "MP-201":
		return explanation{
			fmt.Sprintf("scope %s may not be used through Maskinporten", e.scopeIn("for maskinporten,")),
			"the API owner allows this scope only for other integration types: ask them, or request a different scope",
		}, true
	case "MP-250":
		return explanation{
			fmt.Sprintf("your organisation has not been granted access to scope %s", e.scopeIn("to the scope")),
			"ask the API owner to give your organisation access to the scope (for altinn: scopes, apply to Digdir/Altinn)",
		}, true
	case "MP-251":
		return explanation{
			fmt.Sprintf("the customer has not delegated scope %s to your organisation in Altinn", e.scopeIn("to the scope")),
			"ask the customer to delegate the scope to you in Altinn",
		}, true
	case "MP-301", "MP-302":
		return explanation{
			"Maskinporten did not accept the grant's authorization_details",
			"this is a bug in systembruker: please report it; " + verboseHint,
		}, true
	case "MP-303":
		return explanation{
			fmt.Sprintf("no system user for %s that client %s may use", e.systemUserParty(), client),
			"the customer must first approve a system-user request for your system (systembruker will create these in a coming version; until then use Altinn's request API); " +
				"if one is approved, check that the externalRef matches the request and that the client id is on the system",
		}, true
	}
	return explanation{}, false
}

func (e *Error) explainStatus() explanation {
	what := strings.TrimSpace(traceRE().ReplaceAllString(e.Description, ""))
	switch {
	case e.Status == http.StatusTooManyRequests:
		hint := "wait a minute and try again"
		if e.RetryAfter > 0 {
			hint = fmt.Sprintf("wait %v and try again", e.RetryAfter)
		}
		return explanation{"Maskinporten is rate limiting this client (HTTP 429)", hint}
	case e.Status >= 500:
		return explanation{
			fmt.Sprintf("Maskinporten is having trouble (HTTP %d %s)", e.Status, http.StatusText(e.Status)),
			"try again in a few minutes",
		}
	case what != "":
		return explanation{what, verboseHint}
	case e.Code != "":
		return explanation{fmt.Sprintf("the request was refused (HTTP %d)", e.Status), verboseHint}
	}
	return explanation{fmt.Sprintf("the request was refused (HTTP %d %s)", e.Status, http.StatusText(e.Status)), verboseHint}
}

// scopeIn finds the scope(s) named after marker in the description (e.g.
// "…invalid scopes for client, a:b"); failing that it names what was asked for.
func (e *Error) scopeIn(marker string) string {
	d := traceRE().ReplaceAllString(e.Description, "")
	if i := strings.Index(strings.ToLower(d), marker); i >= 0 {
		rest := strings.TrimSpace(d[i+len(marker):])
		rest, _, _ = strings.Cut(rest, " to supplier")
		if rest = strings.TrimRight(rest, ". "); rest != "" {
			return rest
		}
	}
	if len(e.Scopes) > 0 {
		return strings.Join(e.Scopes, " ")
	}
	return "(unknown)"
}

func (e *Error) systemUserParty() string {
	if e.SystemUserOrg == "" {
		return "this organisation"
	}
	return orgno.Prefixed(e.SystemUserOrg)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
