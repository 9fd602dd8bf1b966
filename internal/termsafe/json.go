package termsafe

import (
	"fmt"
	"unicode/utf8"
)

// JSON makes encoded JSON safe for a terminal without changing what it
// says. encoding/json already escapes C0 controls, U+2028 and U+2029, but
// writes DEL, the C1 controls (U+009B is a CSI to many terminals) and the
// bidirectional overrides as they are. Those can only occur inside JSON
// strings, where \uXXXX means the same character, so JSON writes them so:
// a program reading the output gets the exact value, a person sees no
// escape sequence run. Unlike Line it removes nothing: --json is data.
func JSON(b []byte) []byte {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && r >= 0x20 && unsafe(r) {
			return escapeJSON(b)
		}
		i += n
	}
	return b
}

func escapeJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && r >= 0x20 && unsafe(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}
