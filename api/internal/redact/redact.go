// Package redact removes secrets from server answers before the clients keep
// them for --verbose: a server that echoes a grant or a token must not put
// it in a log.
package redact

import (
	"regexp"
	"sync"
)

// jwt matches a JWT: its header is JSON, so it always starts {" → eyJ. It is
// compiled on first use, not at start-up: the token command's cold start is
// benchmarked, and errors are the rare path.
var jwt = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
})

// JWTs replaces every JWT in body with "[redacted JWT]".
func JWTs(body []byte) []byte {
	return jwt().ReplaceAll(body, []byte("[redacted JWT]"))
}
