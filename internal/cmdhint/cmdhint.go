// Package cmdhint makes the commands that messages suggest run as printed.
//
// Errors and notes name the next step as a command in backticks
// (`systembruker keys list`). The packages that write them (api, keystore,
// flows) cannot know that the user chose --env test or --profile acme, and a
// pasted command without those flags would act on the sandbox or on another
// profile. So the two places that show messages to people, the CLI's output
// and the wizard's error display, pass every message through Flags.Apply,
// which adds the global flags the running command needed.
package cmdhint

import "strings"

// Program is the command name that marks a suggested command.
const Program = "systembruker"

// Flags are the global flags a suggested command must carry to select what
// the running command selected. An empty field needs no flag: a bare
// command selects the same thing.
type Flags struct {
	Env      string // --env
	Profile  string // --profile
	Keystore string // --keystore
}

// args returns the flags as command-line words, leaving out those the
// command already sets.
func (f Flags) args(command string) []string {
	var out []string
	for _, fl := range []struct{ name, value string }{
		{"--env", f.Env}, {"--profile", f.Profile}, {"--keystore", f.Keystore},
	} {
		if fl.value != "" && !sets(command, fl.name) {
			out = append(out, fl.name, fl.value)
		}
	}
	return out
}

// sets reports whether command already has the flag (--env test, --env=test).
func sets(command, flag string) bool {
	for _, w := range strings.Fields(command) {
		if w == flag || strings.HasPrefix(w, flag+"=") {
			return true
		}
	}
	return false
}

// Apply returns msg with the flags added after the program name of every
// command in backticks that starts with it, including each command of a
// pipeline (`systembruker token … | systembruker token inspect`). Text
// outside backticks is left alone, and so is an unclosed backtick.
func (f Flags) Apply(msg string) string {
	if f == (Flags{}) || !strings.Contains(msg, Program) {
		return msg
	}
	parts := strings.Split(msg, "`")
	// parts[1], parts[3], … are code spans; a last odd part is unclosed.
	for i := 1; i < len(parts)-1; i += 2 {
		parts[i] = f.span(parts[i])
	}
	return strings.Join(parts, "`")
}

// separators start a new command within a code span.
var separators = []string{" | ", " && ", " || ", "; ", "$("}

// span rewrites the commands of one code span.
func (f Flags) span(s string) string {
	var b strings.Builder
	for s != "" {
		// The next command runs up to the nearest separator.
		end, sep := len(s), ""
		for _, p := range separators {
			if i := strings.Index(s, p); i >= 0 && i < end {
				end, sep = i, p
			}
		}
		b.WriteString(f.Command(s[:end]))
		b.WriteString(sep)
		s = s[min(end+len(sep), len(s)):]
	}
	return b.String()
}

// Command adds the flags to one command line if it runs the program
// ("systembruker keys list"); anything else comes back unchanged.
func (f Flags) Command(c string) string {
	lead := c[:len(c)-len(strings.TrimLeft(c, " "))]
	rest := c[len(lead):]
	if rest != Program && !strings.HasPrefix(rest, Program+" ") {
		return c
	}
	args := f.args(rest)
	if len(args) == 0 {
		return c
	}
	return lead + Program + " " + strings.Join(args, " ") + rest[len(Program):]
}
