package maskinporten

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Bounds on what a grant carries. Maskinporten documents no limits; these
// are generous beyond every real value and keep a pasted document, a token
// or a runaway script from being signed, sent and retried. Errors never
// repeat the value: it may be a secret pasted into the wrong flag.
const (
	// MaxIDLen bounds a client id and a kid: self-service client ids are
	// UUIDs (36), legacy ones short words, kids thumbprints (43) or stamps.
	MaxIDLen = 100
	// MaxScopeLen and MaxScopes bound the scope claim: real scopes are
	// prefix:name, well under 100 characters, a handful per client.
	MaxScopeLen = 255
	MaxScopes   = 50
	// MaxResourceLen bounds an RFC 8707 resource: an API's URL.
	MaxResourceLen = 512
	// MaxExternalRefLen is Altinn's column for externalRef.
	MaxExternalRefLen = 255
)

// CheckClientID checks a client id's form: a UUID, or a legacy textual id
// of letters, digits, '_', '-' and '.'; never a token.
func CheckClientID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return errors.New("grant: client id is empty: give the Maskinporten client id (a UUID from Digdir's self-service)")
	case strings.HasPrefix(id, "eyJ") && strings.Count(id, ".") >= 2:
		return errors.New("grant: the client id is a token (JWT), not a client id: give the Maskinporten client id, a UUID like d1427568-1eba-1bf2-59ed-1c4af065f30e")
	case strings.ContainsAny(id, " \t\r\n"):
		return errors.New("grant: the client id contains white space: copy it again from Digdir's self-service")
	case len(id) > MaxIDLen:
		return fmt.Errorf("grant: the client id is %d characters long, more than any client id (at most %d): give the Maskinporten client id, a UUID", len(id), MaxIDLen)
	}
	if c, bad := firstOutside(id, isIDChar); bad {
		return fmt.Errorf("grant: the client id contains %s, which client ids never have: it is a UUID, or for old clients letters, digits, '_', '-' and '.'", c)
	}
	return nil
}

// checkKID checks a key id as Digdir allows it: letters, digits, '.', '_', '-'.
func checkKID(kid string) error {
	if len(kid) > MaxIDLen {
		return fmt.Errorf("signer: the key id (kid) is %d characters long: at most %d", len(kid), MaxIDLen)
	}
	if c, bad := firstOutside(kid, isIDChar); bad {
		return fmt.Errorf("signer: the key id (kid) contains %s: Digdir allows only letters, digits, '.', '_' and '-'", c)
	}
	return nil
}

// CheckScopes checks each scope's form and bounds (RFC 6749 §3.3), for a
// grant or for a client that is to be given them.
func CheckScopes(scopes []string) error {
	if len(scopes) > MaxScopes {
		return fmt.Errorf("%d scopes: ask for at most %d in one token", len(scopes), MaxScopes)
	}
	for _, s := range scopes {
		switch {
		case s == "" || strings.ContainsAny(s, " \t\r\n"):
			return fmt.Errorf("scope %q is empty or contains white space: give each scope separately", short(s))
		case len(s) > MaxScopeLen:
			return fmt.Errorf("a scope is %d characters long: scopes are prefix:name, at most %d characters", len(s), MaxScopeLen)
		}
		// RFC 6749 §3.3: a scope token is printable ASCII but '"' and '\'.
		if c, bad := firstOutside(s, func(r rune) bool { return r > 0x20 && r < 0x7f && r != '"' && r != '\\' }); bad {
			return fmt.Errorf("scope %q contains %s: a scope is prefix:name in printable ASCII", short(s), c)
		}
	}
	return nil
}

func checkResource(r string) error {
	if r == "" {
		return nil
	}
	if len(r) > MaxResourceLen {
		return fmt.Errorf("grant: the resource is %d characters long: it is an API's URL, at most %d characters", len(r), MaxResourceLen)
	}
	if c, bad := firstOutside(r, func(r rune) bool { return r > 0x20 && r < 0x7f }); bad {
		return fmt.Errorf("grant: the resource contains %s: give the API's URL, e.g. https://api.example.no/", c)
	}
	// RFC 8707 §2: an absolute URI without a fragment.
	if u, err := url.Parse(r); err != nil || u.Scheme == "" || u.Fragment != "" {
		return fmt.Errorf("grant: resource %q is not an absolute URI without a fragment: give the API's URL, e.g. https://api.example.no/", short(r))
	}
	return nil
}

func checkExternalRef(ref string) error {
	if len(ref) > MaxExternalRefLen {
		return fmt.Errorf("grant: the externalRef is %d characters long: Altinn keeps at most %d; give the exact externalRef of the system-user request", len(ref), MaxExternalRefLen)
	}
	if c, bad := firstOutside(ref, func(r rune) bool { return r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f) }); bad {
		return fmt.Errorf("grant: the externalRef contains %s: give the exact externalRef of the system-user request", c)
	}
	return nil
}

func isIDChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// firstOutside names the first character of s that ok refuses, without
// repeating the rest of s.
func firstOutside(s string, ok func(rune) bool) (string, bool) {
	for _, r := range s {
		if !ok(r) {
			if r > 0x20 && r < 0x7f {
				return fmt.Sprintf("%q", r), true
			}
			return fmt.Sprintf("the character %U", r), true
		}
	}
	if !utf8.ValidString(s) {
		return "invalid UTF-8", true
	}
	return "", false
}

// short keeps an echoed value to a recognisable start.
func short(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "…"
}
