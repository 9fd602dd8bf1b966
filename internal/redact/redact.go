// Package redact removes secrets from text before it is kept or shown: a
// server that echoes a grant or a token must not put it in a log, and an
// error that quotes what the user typed must not print a private key that
// was pasted where a file name belongs.
package redact

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The patterns are compiled on first use, not at start-up: the token
// command's cold start is benchmarked, and errors are the rare path.
var (
	// A JWT's header is JSON, so it always starts {" → eyJ.
	jwt = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	})
	// A PEM block, also one cut short before its END line. Its BEGIN line
	// must be followed by base64 or a header (Proc-Type: …), so that a
	// message naming "-----BEGIN PRIVATE KEY-----" keeps its words.
	pemBlock = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*-----\s*(?:[A-Za-z0-9+/]{16}|[A-Za-z-]+: )(?s:.*?)(?:-----END [A-Z0-9 ]*-----|$)`)
	})
	// A PEM body without its BEGIN line: lines of 64 (PEM) or 76 (MIME)
	// base64 characters.
	base64Block = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:[A-Za-z0-9+/]{60,76}={0,2}\r?\n)+[A-Za-z0-9+/]{8,76}={0,2}`)
	})
	// The private members of a JWK (RFC 7518 §6.3.2, §6.4.1).
	jwkPrivate = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`"(d|p|q|dp|dq|qi|k)"(\s*:\s*)"[^"]*"?`)
	})
)

// JWTs replaces every JWT in body with "[redacted JWT]".
func JWTs(body []byte) []byte {
	return jwt().ReplaceAll(body, []byte("[redacted JWT]"))
}

// MaxRun is the longest run of text without a space that Secrets leaves
// whole: longer than any URL, path or id a message names, shorter than a
// key or a token.
const MaxRun = 160

// Secrets makes text fit to echo: PEM blocks, PEM bodies, JWTs and the
// private members of a JWK are replaced by a note, and what is left of any
// run longer than MaxRun is cut to its start and its length.
func Secrets(s string) string {
	if !suspect(s) {
		return s
	}
	s = pemBlock().ReplaceAllString(s, "[redacted PEM block]")
	s = base64Block().ReplaceAllString(s, "[redacted base64]")
	s = jwt().ReplaceAllString(s, "[redacted JWT]")
	s = jwkPrivate().ReplaceAllString(s, `"$1"$2"[redacted]"`)
	return cutRuns(s)
}

// suspect is a cheap first look, so that plain messages never compile the
// patterns.
func suspect(s string) bool {
	if strings.Contains(s, "-----") || strings.Contains(s, "eyJ") || strings.Contains(s, `"d"`) ||
		strings.Contains(s, `"k"`) || strings.Contains(s, `"p"`) {
		return true
	}
	run := 0
	for _, r := range s {
		if unicode.IsSpace(r) {
			run = 0
		} else if run++; run >= 60 { // a PEM line, or longer
			return true
		}
	}
	return false
}

// cutRuns shortens every run of non-space text longer than MaxRun.
func cutRuns(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			i = len(s)
		}
		run := strings.TrimRight(s[:i], ":;,.)")
		b.WriteString(Cut(run, MaxRun))
		b.WriteString(s[len(run):i]) // "…: no such file" keeps its colon
		s = s[i:]
		j := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
		if j < 0 {
			j = len(s)
		}
		b.WriteString(s[:j])
		s = s[j:]
	}
	return b.String()
}

// Cut returns v whole if it has at most max characters, else its first 32
// characters and how long it was: enough to recognise, too little to leak.
func Cut(v string, max int) string {
	n := utf8.RuneCountInString(v)
	if n <= max {
		return v
	}
	head := []rune(v)[:min(32, max)]
	return fmt.Sprintf("%s… (%d characters)", string(head), n)
}
