package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/readlimit"
	"github.com/systembruker/systembruker/internal/redact"
	"github.com/systembruker/systembruker/internal/termsafe"
)

type tokenInspectOptions struct {
	Token  string
	Verify bool
	JSON   bool
}

func newTokenInspectCmd(f *Factory) *cobra.Command {
	var o tokenInspectOptions
	cmd := &cobra.Command{
		Use:   "inspect [JWT|-]",
		Short: "Decode a token and explain its claims; --verify checks its signature",
		Long: `Decode any JWT and explain it: who issued it, for which client, for which
customer and system when it is a system-user token, and how long it lasts.

The token is read from stdin when the argument is "-" or absent, which keeps
it out of your shell history and the process list.

--verify checks the signature and issuer against the keys this environment
publishes: Maskinporten's JWKS for Maskinporten tokens, the key set in
Altinn's openid-configuration for Altinn tokens. Key sets are cached for a day.`,
		Example: `  systembruker token --scope altinn:instances.read | systembruker token inspect --verify
  systembruker token inspect --json - < token.txt`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Token = args[0]
			}
			return runTokenInspect(cmd.Context(), f, o)
		},
	}
	cmd.Flags().BoolVar(&o.Verify, "verify", false, "check the signature and issuer against the environment's published keys")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the inspection as JSON")
	return cmd
}

// maxTokenInput bounds what is read from stdin; real tokens are a few kB.
const maxTokenInput = 1 << 20

func runTokenInspect(ctx context.Context, f *Factory, o tokenInspectOptions) error {
	tok, err := readTokenInput(f, o.Token)
	if err != nil {
		return err
	}
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	in, err := rt.Inspect(ctx, tok, o.Verify)
	if err != nil {
		return err
	}
	if o.JSON {
		return printJSON(f.IO.Out, in)
	}
	w := f.IO.Out
	for _, s := range in.Summary {
		fmt.Fprintln(w, termsafe.Line(s))
	}
	fmt.Fprintln(w)
	return writeDecoded(w, tok, rt.Now())
}

// readTokenInput takes the argument, or stdin for "-" or no argument.
func readTokenInput(f *Factory, arg string) (string, error) {
	if arg != "" && arg != "-" {
		return strings.TrimSpace(arg), nil
	}
	if f.IO.InTTY {
		f.infof("Paste the token, then press Ctrl-D:")
	}
	data, err := readlimit.All(f.IO.In, maxTokenInput, "the token on standard input")
	if errors.Is(err, readlimit.ErrTooLarge) {
		return "", usageErrorf("%v: a token is a few kB; pipe the token alone", err)
	}
	if err != nil {
		return "", fmt.Errorf("read the token from stdin: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", usageErrorf("no token: pipe one in (`systembruker token … | systembruker token inspect`) or give it as the argument")
	}
	return tok, nil
}

// writeDecoded prints a JWT's header and claims as "name: value" lines in
// the token's own order. Objects are indented JSON; time claims get their
// UTC date, and exp its countdown.
func writeDecoded(w io.Writer, jwt string, now time.Time) error {
	parts := strings.Split(strings.Trim(strings.TrimSpace(jwt), `"`), ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT: expected 3 dot-separated parts, found %d", len(parts))
	}
	for i, title := range []string{"Header", "Claims"} {
		members, err := orderedMembers(parts[i])
		if err != nil {
			return fmt.Errorf("JWT %s: %w", strings.ToLower(title), err)
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, title)
		width := 0
		for _, m := range members {
			width = max(width, len(m.name)+1)
		}
		for _, m := range members {
			fmt.Fprintf(w, "  %-*s %s\n", width, m.name+":", renderValue(m.name, m.raw, now))
		}
	}
	return nil
}

type member struct {
	name string
	raw  json.RawMessage
}

// orderedMembers reads the top-level members of a base64url JSON object in
// order; a map would lose the order the issuer wrote them in.
func orderedMembers(segment string) ([]member, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(segment, "="))
	if err != nil {
		return nil, errors.New("not valid base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("not a JSON object")
		}
		name, _ := t.(string)
		name = termsafe.Line(name)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("not a JSON object")
		}
		out = append(out, member{name, raw})
	}
	return out, nil
}

var timeClaims = map[string]bool{"exp": true, "iat": true, "nbf": true, "auth_time": true}

// renderValue shows one claim. Everything in a token is outside text: a
// string goes through termsafe.Line, JSON through termsafe.JSON (which
// writes the controls JSON allows raw, like U+009B, as escapes).
func renderValue(name string, raw json.RawMessage, now time.Time) string {
	if timeClaims[name] {
		return renderTime(name, raw, now)
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return termsafe.Line(s)
		}
	case '{', '[':
		var buf bytes.Buffer
		// Continuation lines get a plain indent under the name.
		if json.Indent(&buf, raw, "    ", "  ") == nil {
			return string(termsafe.JSON(buf.Bytes()))
		}
	}
	return termsafe.Line(string(raw))
}

// renderTime shows a time claim with its UTC date, and exp its countdown;
// a value that is not seconds between 1970 and 9999 is said to be so.
func renderTime(name string, raw json.RawMessage, now time.Time) string {
	s := redact.Cut(termsafe.Line(string(raw)), 40)
	t, ok := maskinporten.ParseNumericDate(raw)
	if !ok {
		return s + " (not a valid time: expected seconds since 1970)"
	}
	when := t.UTC().Format("2006-01-02 15:04:05 UTC")
	if name == "exp" {
		when += ", " + flows.Expiry(t, now)
	}
	return s + " (" + when + ")"
}
