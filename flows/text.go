package flows

import (
	"fmt"
	"unicode/utf8"

	"github.com/systembruker/systembruker/internal/termsafe"
)

// Bounds on names the user stores or sends. Digdir and Enhetsregisteret
// publish none; these are far beyond real names and far below a pasted
// document.
const (
	MaxNameLen        = 200  // an organisation's or a client's name
	MaxDescriptionLen = 1000 // a client's description
)

// checkText refuses text the user wants stored or sent when it holds a
// control character (it would reach every terminal that shows it later) or
// is longer than max characters. The error names the character, never the
// text.
func checkText(what, s string, max int) error {
	if r, bad := termsafe.FirstControl(s); bad {
		if r == utf8.RuneError {
			return fmt.Errorf("%s is not valid UTF-8 text: type it again", what)
		}
		return fmt.Errorf("%s contains a control character (%U): give it as plain text on one line", what, r)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long: at most %d", what, n, max)
	}
	return nil
}
