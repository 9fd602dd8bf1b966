package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
)

func init() { register("token", newTokenCmd) }

type tokenOptions struct {
	flows.TokenRequest
	JSON   bool
	Decode bool
}

func newTokenCmd(f *Factory) *cobra.Command {
	var o tokenOptions
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a Maskinporten access token (or a system-user or Altinn token)",
		Long: `Get an access token from Maskinporten and print only the token on stdout, so
that $(systembruker token …) works in scripts.

The client id, signing key and scopes default to the profile's (set up by
` + "`systembruker client create`" + ` and ` + "`systembruker keys generate`" + `). With
--systemuser-org the token is a system-user (systembruker) token for that
customer; --altinn exchanges the token for an Altinn token.

A token still valid for more than 10 seconds is reused from the token cache,
an encrypted file per token that only the signing key (in the OS keychain)
can open. --no-cache always fetches a new token and writes nothing.

Exit codes: 0 ok, 1 error, 2 bad flags or missing settings, 3 the customer
has no system user this client may use, 130 cancelled.`,
		Example: `  export TOKEN=$(systembruker token --scope altinn:authentication/systemregister.write)
  systembruker token --systemuser-org 310007919 --scope skatteetaten:mvameldinginnsending
  systembruker token --altinn --scope altinn:instances.read --json
  systembruker token --key my-cert --x5c --scope krr:global/kontaktinformasjon.read --decode`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runToken(cmd.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Scopes, "scope", nil, "scope to ask for; repeat for several (default: the profile's scopes)")
	fl.StringVar(&o.ClientID, "client-id", "", "Maskinporten client id (default: the profile's)")
	fl.StringVar(&o.KeyName, "key", "", "name of the signing key in the keystore (default: the profile's)")
	fl.StringVar(&o.SystemUserOrg, "systemuser-org", "", "customer org number: get a system-user token for its systembruker")
	fl.StringVar(&o.ExternalRef, "external-ref", "", "externalRef of the system-user request, if it set one")
	fl.StringVar(&o.Resource, "resource", "", "restrict the token to this API (RFC 8707 resource; becomes aud)")
	fl.BoolVar(&o.Altinn, "altinn", false, "exchange the Maskinporten token for an Altinn token")
	fl.BoolVar(&o.NoCache, "no-cache", false, "always fetch a new token; neither read nor write the token cache")
	fl.BoolVar(&o.X5C, "x5c", false, "sign with the key's certificate chain (virksomhetssertifikat) instead of its kid")
	fl.StringVar(&o.Alg, "alg", "RS256", "grant signature algorithm: RS256, RS384 or RS512")
	fl.BoolVar(&o.JSON, "json", false, "print {access_token, token_type, expires_in, scope, expires_at, claims} as JSON")
	fl.BoolVar(&o.Decode, "decode", false, "print the token's header and claims instead of the token")
	cmd.AddCommand(newTokenInspectCmd(f))
	return cmd
}

// tokenJSON is the --json contract.
type tokenJSON struct {
	AccessToken string         `json:"access_token"`
	TokenType   string         `json:"token_type"`
	ExpiresIn   int            `json:"expires_in"`
	Scope       string         `json:"scope"`
	ExpiresAt   time.Time      `json:"expires_at"`
	Claims      map[string]any `json:"claims"`
}

func runToken(ctx context.Context, f *Factory, o tokenOptions) error {
	if o.JSON && o.Decode {
		return usageErrorf("--json and --decode cannot be used together: pick one")
	}
	o.Scopes = splitScopes(o.Scopes)
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	res, err := rt.Token(ctx, o.TokenRequest)
	var ie *flows.InputError
	if errors.As(err, &ie) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if f.Verbose && res.FromCache {
		f.infof("Reused a cached token (%s).", flows.Expiry(res.ExpiresAt, rt.Now()))
	}
	out := f.IO.Out
	switch {
	case o.JSON:
		return printJSON(out, tokenJSON{
			AccessToken: res.AccessToken, TokenType: res.TokenType, ExpiresIn: res.ExpiresIn,
			Scope: res.Scope, ExpiresAt: res.ExpiresAt.UTC(), Claims: res.Claims,
		})
	case o.Decode:
		return writeDecoded(out, res.AccessToken, rt.Now())
	}
	_, err = fmt.Fprintln(out, res.AccessToken)
	return err
}

// usageArgs makes an argument check's failure a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{fmt.Errorf("%w (see `%s --help`)", err, cmd.CommandPath())}
		}
		return nil
	}
}

// splitScopes also accepts the space-separated form a token's scope claim
// and Digdir's portal use.
func splitScopes(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Fields(s)...)
	}
	return out
}
