package selfservice

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

const clientIDWhere = "the client id is shown as 'Klient-ID' / client_id in the portal"

// The patterns compile on first use, not at start-up (the token command's
// cold start is benchmarked).
var (
	uuidRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	// Key ids peers generate: a date or time stamp (kid-2024-07-10-…,
	// name-TEST.2024-07-10, prefix-20240710120000), a kid prefix, or an
	// RFC 7638 thumbprint (43 base64url characters, what systembruker uses).
	// A UUID kid (digdirator) cannot be told from a client id.
	kidDateRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(19|20)\d\d-[01]\d-[0-3]\d|(19|20)\d{12}`) })
	kidPrefRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^kid[-_.\d]`) })
	thumbRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`) })
	textIDRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })
	maxIDBytes = 100
)

// ValidClientID checks the form of a Maskinporten client id: a UUID as the
// self-service API issues them, or a legacy textual id (oidc_difi_jb_test)
// of letters, digits, '_', '-' and '.'. Things users paste by mistake (a
// kid, a JWK, a token, a URL) get a message that says so. The errors never
// repeat the input, which could be a secret.
func ValidClientID(s string) error {
	switch {
	case s == "":
		return errors.New("the client id is empty: " + clientIDWhere)
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return errors.New("the client id contains spaces or line breaks: copy it again; " + clientIDWhere)
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") || strings.Contains(s, `"kty"`):
		return errors.New("that looks like a key (JWK), not a client id: " + clientIDWhere)
	case strings.HasPrefix(s, "eyJ"):
		return errors.New("that looks like a token or signed JWT, not a client id: " + clientIDWhere)
	case strings.Contains(s, "://"):
		return errors.New("that looks like a URL, not a client id: " + clientIDWhere)
	case uuidRE().MatchString(s):
		return nil
	case looksLikeKID(s):
		return errors.New("that looks like a key id (kid), not a client id: " + clientIDWhere)
	case len(s) > maxIDBytes:
		return fmt.Errorf("the client id is %d characters long, more than any client id: %s", len(s), clientIDWhere)
	case !textIDRE().MatchString(s):
		return fmt.Errorf("the client id contains %s, which client ids never have: it is a UUID like d1427568-1eba-1bf2-59ed-1c4af065f30e, or for old clients letters, digits, '_', '-' and '.'", firstBad(s))
	}
	return nil
}

// looksLikeKID recognises the kid styles peers generate. It errs towards
// "not a kid": a real legacy client id refused here would leave the user
// stuck, while a kid let through only fails later with a 404.
func looksLikeKID(s string) bool {
	if thumbRE().MatchString(s) {
		return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") &&
			strings.ContainsAny(s, "0123456789")
	}
	return kidDateRE().MatchString(s) || kidPrefRE().MatchString(s)
}

// ValidKID checks a key id: Digdir allows letters, digits, '.', '_' and '-'.
func ValidKID(s string) error {
	switch {
	case s == "":
		return errors.New("the key id (kid) is empty")
	case len(s) > maxIDBytes:
		return fmt.Errorf("the key id (kid) is %d characters long: keep it under %d", len(s), maxIDBytes)
	case !textIDRE().MatchString(s):
		return fmt.Errorf("the key id (kid) contains %s: Digdir allows only letters a-z and A-Z, digits, '.', '_' and '-'", firstBad(s))
	}
	return nil
}

// firstBad names the first character outside [A-Za-z0-9_.-], so the message
// can point at it without repeating the whole input.
func firstBad(s string) string {
	for _, r := range s {
		if !textIDRE().MatchString(string(r)) {
			if unicode.IsPrint(r) {
				return fmt.Sprintf("%q", r)
			}
			return fmt.Sprintf("the character %U", r)
		}
	}
	return "an unexpected character"
}
