// Package termsafe makes outside text safe to print on a terminal. Text
// from a server, a token or a file can carry control sequences that recolour
// the screen, clear it, set the window title, plant an OSC 8 link, or fake
// whole lines with CR and LF; Line and Text remove them, with their
// parameters, before anything reaches the terminal. FirstControl finds them
// in input the user wants stored, so that it can be refused instead.
//
// The package is a hand-written scanner on the standard library only: it is
// on the token command's path, whose start-up is timed, and a terminal
// library's parser tables are a cost at init.
package termsafe

import (
	"strings"
	"unicode/utf8"
)

// Line returns s as one line of plain text. Escape sequences (CSI, OSC, DCS,
// SOS, PM, APC and the short ESC ones) go with their parameters; other C0
// and C1 controls, DEL and the bidirectional embeddings, overrides and
// isolates are dropped; CR, LF, tab and the Unicode line and paragraph
// separators become a space, so a value cannot fake a line of its own;
// invalid UTF-8 becomes U+FFFD.
func Line(s string) string { return clean(s, false) }

// Text is Line for text of several lines: it keeps LF and tab, and turns CR
// LF and a lone CR into LF (a lone CR would let a line overwrite the one
// before it).
func Text(s string) string { return clean(s, true) }

// FirstControl returns the first character of s that Line would remove or
// replace (a control character, a bidirectional override, invalid UTF-8),
// and false if there is none.
func FirstControl(s string) (rune, bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return r, true
		}
		if unsafe(r) {
			return r, true
		}
		i += n
	}
	return 0, false
}

// unsafe reports the runes that never reach the terminal as they are.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

const (
	esc = 0x1b
	bel = 0x07
	// C1 controls that open a sequence, as code points (U+0080–U+009F).
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

func clean(s string, multiline bool) string {
	if _, bad := FirstControl(s); !bad {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := func() {
		// One space for a run of breaks keeps "a\r\nb" as "a b".
		if out := b.String(); len(out) > 0 && out[len(out)-1] != ' ' {
			b.WriteByte(' ')
		}
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
		case r == esc:
			i = skipEscape(s, i)
		case r == c1CSI:
			i = skipCSI(s, i)
		case r == c1OSC, r == c1DCS, r == c1SOS, r == c1PM, r == c1APC:
			i = skipString(s, i)
		case r == '\n', r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				space()
			}
		case r == '\r':
			switch {
			case multiline && strings.HasPrefix(s[i:], "\n"):
				// CR LF: the LF that follows stands for both.
			case multiline:
				b.WriteByte('\n')
			default:
				space()
			}
		case r == 0x2028, r == 0x2029:
			if multiline {
				b.WriteByte('\n')
			} else {
				space()
			}
		case unsafe(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// skipEscape skips what follows an ESC at s[i:] and returns where plain text
// resumes. A lone ESC (at the end, or before something that is no escape
// sequence) is dropped by itself.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']', c == 'P', c == 'X', c == '^', c == '_':
		return skipString(s, i+1)
	case c >= 0x20 && c <= 0x2f:
		// nF: intermediates, then one final byte (ESC ( B, ESC # 8, …).
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // ESC c, ESC 7, ESC M, …
	}
	return i
}

// skipCSI skips a control sequence's parameter and intermediate bytes and
// its final byte. A byte that cannot be part of it ends the sequence there,
// and is read again as text.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3f:
			i++
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		default:
			return i
		}
	}
	return i
}

// skipString skips the body of an OSC, DCS, SOS, PM or APC up to and
// including its terminator: BEL, ESC \ or the C1 ST. Without a terminator
// the rest of s is the body: dropping too much is safe, printing a title
// or link body is not.
func skipString(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == bel, r == c1ST:
			return i + n
		case r == esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		i += n
	}
	return i
}
