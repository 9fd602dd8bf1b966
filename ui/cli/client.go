package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/flows"
)

func init() { register("client", newClientCmd) }

func newClientCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Create, list and manage Maskinporten clients and their keys",
		Long: `Manage the organisation's Maskinporten clients through Digdir's self-service
API, as the profile's admin client (see ` + "`systembruker admin`" + `; the sandbox sets
its own up). Without an admin client, create the client in Digdir's
self-service portal and record it with ` + "`systembruker client use`" + `.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newClientCreateCmd(f), newClientListCmd(f), newClientShowCmd(f),
		newClientDeleteCmd(f), newClientUseCmd(f), newClientKeysCmd(f), newClientScopesCmd(f))
	return cmd
}

type clientCreateOptions struct {
	flows.ClientSpec
	JSON  bool
	Admin adminFlags
}

func newClientCreateCmd(f *Factory) *cobra.Command {
	var o clientCreateOptions
	cmd := &cobra.Command{
		Use:   "create --name NAME --scope S [--scope S…] [--key NAME]",
		Short: "Create a Maskinporten client, register a key on it and prove it with a token",
		Long: `Create a Maskinporten client for the organisation, register the key's public
JWK on it (with --key), record client, key, scopes and key expiry in the
profile, and prove the set-up by fetching a token.

The client always gets the system-user scopes
  ` + strings.Join(flows.SystemUserScopes, "\n  ") + `
plus, with --delegation,
  ` + strings.Join(flows.DelegationScopes, "\n  ") + `
plus the service-owner scopes given with --scope.

Running it again with the same name reuses the client of that name instead of
making a second one (adding scopes it lacks and the key).`,
		Example: `  systembruker client create --name "Demo integrasjon" --scope skatteetaten:mvameldingvalidering --key vendor-key
  systembruker --env test client create --name "Acme sync" --scope krr:global/kontaktinformasjon.read --key acme --yes --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runClientCreate(cmd.Context(), f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Name, "name", "", "display name of the client (required)")
	fl.StringVar(&o.Description, "description", "", "what the client is for (default: names systembruker)")
	fl.StringSliceVar(&o.Scopes, "scope", nil, "service-owner scope to add; repeat for several")
	fl.StringVar(&o.KeyName, "key", "", "keystore key to register on the client (see `systembruker keys list`)")
	fl.BoolVar(&o.Delegation, "delegation", false, "also add the client-delegation scopes (altinn:clientdelegations.*)")
	fl.BoolVar(&o.JSON, "json", false, "print the created client as JSON on stdout (default: its id)")
	o.Admin.register(cmd)
	return cmd
}

func runClientCreate(ctx context.Context, f *Factory, o clientCreateOptions) error {
	if strings.TrimSpace(o.Name) == "" {
		return usageErrorf("--name is required: the client's display name in Digdir's portal")
	}
	if err := checkKeyName("--key", o.KeyName); err != nil {
		return err
	}
	o.Scopes = splitScopes(o.Scopes)
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	if o.KeyName != "" {
		if _, err := rt.Keys.Info(o.KeyName); err != nil {
			return err
		}
	}
	p := o.Proposal()
	f.infof("Maskinporten client %q in %s", p.ClientName, rt.Env.Name)
	f.infof("  description: %s", p.Description)
	f.infof("  scopes:      %s", strings.Join(p.Scopes, ", "))
	if o.KeyName != "" {
		f.infof("  key:         %s", o.KeyName)
	}
	if err := f.confirmWrite(rt.Env.Name, fmt.Sprintf("Create Maskinporten client %q", p.ClientName)); err != nil {
		return err
	}
	rt, api, err := f.selfService(ctx, o.Admin)
	if err != nil {
		return err
	}
	existing, err := rt.FindClient(ctx, api, o.Name)
	if err != nil {
		return err
	}
	if existing != nil {
		if err := f.offerReuse(*existing); err != nil {
			return err
		}
	}
	res, err := rt.CreateClient(ctx, api, o.ClientSpec, existing)
	if err != nil {
		return err
	}
	if res.Reused {
		f.successf("Reusing client %s (%q): no second client made", res.Client.ClientID, res.Client.ClientName)
	} else {
		f.successf("Created client %s (%q)", res.Client.ClientID, res.Client.ClientName)
	}
	if res.Key != nil {
		f.successf("Registered key %s (kid %s)%s", o.KeyName, res.Key.KID, expiresText(res.Key))
	}
	if o.JSON {
		err = printJSON(f.IO.Out, res.Client)
	} else {
		_, err = fmt.Fprintln(f.IO.Out, res.Client.ClientID)
	}
	if err != nil {
		return err
	}
	if res.Key == nil && rt.Facts.KeyName == "" {
		f.infof("No key registered: add one with `systembruker client keys add %s --key NAME`; then `systembruker token` proves it.", res.Client.ClientID)
		return nil
	}
	return f.prove(ctx, rt)
}

// offerReuse tells about the client found by name and, on a terminal, asks
// whether to take it. Without one it is taken: a duplicate is never the
// safer guess.
func (f *Factory) offerReuse(c selfservice.Client) error {
	f.infof("A client named %q already exists: %s.", c.ClientName, c.ClientID)
	if !f.CanPrompt() || f.Yes {
		return nil
	}
	answer, err := f.readLine("Reuse it instead of creating another? [Y/n] ")
	if err != nil {
		return err
	}
	if a := strings.ToLower(answer); a == "n" || a == "no" {
		return usageErrorf("not reusing client %s: choose another --name for a new client", c.ClientID)
	}
	return nil
}

func expiresText(k *selfservice.JWK) string {
	if t := k.Expires(); !t.IsZero() {
		return ", expires " + t.UTC().Format("2006-01-02")
	}
	return ""
}

// prove fetches a token with the profile's client and key and says so.
func (f *Factory) prove(ctx context.Context, rt *flows.Runtime) error {
	res, err := rt.ProveProfile(ctx, f.progress)
	if err != nil {
		return err
	}
	f.successf("Maskinporten issued a token for client %s with key %s (%s, %s)",
		rt.Facts.ClientID, rt.Facts.KeyName, res.Scope, flows.Expiry(res.ExpiresAt, rt.Now()))
	return nil
}

type clientListOptions struct {
	JSON  bool
	Admin adminFlags
}

func newClientListCmd(f *Factory) *cobra.Command {
	var o clientListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the organisation's Maskinporten clients",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, api, err := f.selfService(cmd.Context(), o.Admin)
			if err != nil {
				return err
			}
			cs, err := rt.ListClients(cmd.Context(), api)
			if err != nil {
				return err
			}
			if o.JSON {
				if cs == nil {
					cs = []selfservice.Client{}
				}
				return printJSON(f.IO.Out, cs)
			}
			if len(cs) == 0 {
				f.infof("No clients yet: create one with `systembruker client create`.")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT ID\tNAME\tSCOPES\tPROFILE")
			for _, c := range cs {
				row(tw, c.ClientID, c.ClientName, strconv.Itoa(len(c.Scopes)), clientRole(rt, c.ClientID))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the clients as JSON on stdout")
	o.Admin.register(cmd)
	return cmd
}

// clientRole says what the client is to the profile.
func clientRole(rt *flows.Runtime, id string) string {
	switch id {
	case rt.Facts.ClientID:
		return "client"
	case rt.Facts.AdminClientID:
		return "admin"
	}
	return "-"
}

// clientIDArg requires one well-formed client id argument.
func clientIDArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErrorf("`%s` needs one client id (see `systembruker client list`)", cmd.CommandPath())
	}
	if err := selfservice.ValidClientID(args[0]); err != nil {
		return usageError{err}
	}
	return nil
}

func newClientShowCmd(f *Factory) *cobra.Command {
	var o clientListOptions
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a client and its keys",
		Args:  clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, api, err := f.selfService(ctx, o.Admin)
			if err != nil {
				return err
			}
			c, err := rt.GetClient(ctx, api, args[0])
			if err != nil {
				return err
			}
			if o.JSON {
				return printJSON(f.IO.Out, c)
			}
			keys, err := rt.ClientKeys(ctx, api, c.ClientID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			row(tw, "client id:", c.ClientID)
			row(tw, "name:", c.ClientName)
			row(tw, "description:", c.Description)
			row(tw, "organisation:", c.ClientOrgno)
			row(tw, "scopes:", strings.Join(c.Scopes, ", "))
			row(tw, "profile:", clientRole(rt, c.ClientID))
			row(tw, "keys:", strconv.Itoa(len(keys)))
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(keys) > 0 {
				fmt.Fprintln(f.IO.Out)
				return writeClientKeys(f, keys)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the client as JSON on stdout")
	o.Admin.register(cmd)
	return cmd
}

type clientDeleteOptions struct {
	Force bool
	Admin adminFlags
}

func newClientDeleteCmd(f *Factory) *cobra.Command {
	var o clientDeleteOptions
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Deactivate a client at Digdir (and forget it in the profile)",
		Long: `Deactivate a client: it stops working at once. Digdir never deletes for good.
If it is the profile's client, the profile forgets it; its key stays in the
keystore. The admin client is only deleted with --force.`,
		Args: clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if err := f.confirmWrite(rt.Env.Name, "Delete Maskinporten client "+args[0]); err != nil {
				return err
			}
			rt, api, err := f.selfService(ctx, o.Admin)
			if err != nil {
				return err
			}
			forgotten, err := rt.DeleteClient(ctx, api, args[0], o.Force)
			if err != nil {
				return err
			}
			f.successf("Deleted client %s", args[0])
			if forgotten {
				f.infof("It was the profile's client: the profile no longer names a client (key %s stays in the keystore).", rt.Facts.KeyName)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "delete even the profile's admin client")
	o.Admin.register(cmd)
	return cmd
}

type clientUseOptions struct {
	Key    string
	Scopes []string
	X5C    bool
}

func newClientUseCmd(f *Factory) *cobra.Command {
	var o clientUseOptions
	cmd := &cobra.Command{
		Use:   "use ID --key NAME [--scope S…]",
		Short: "Record a client made in Digdir's self-service portal, and prove it",
		Long: `Record an existing Maskinporten client, for instance one created by hand in
Digdir's self-service portal, with the key registered on it, then prove the
pair by fetching a token. Without --scope the profile's scopes are used (or
the client's, when an admin client can read them; else the system-user
scopes).

In test and production a new client or key can take minutes (up to 10) to
work; the proof retries for a while, and the client stays recorded either way.`,
		Example: "  systembruker --env test client use 0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e --key acme-test",
		Args:    clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkKeyName("--key", o.Key); err != nil {
				return err
			}
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			f.warnPendingRotation(rt)
			res, err := rt.UseClient(cmd.Context(), flows.UseClientRequest{
				ClientID: args[0], KeyName: o.Key, Scopes: splitScopes(o.Scopes), X5C: o.X5C, Progress: f.progress,
			})
			if err != nil {
				return err
			}
			f.successf("Recorded client %s with key %s; Maskinporten issued a token (%s, %s)",
				rt.Facts.ClientID, rt.Facts.KeyName, res.Scope, flows.Expiry(res.ExpiresAt, rt.Now()))
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Key, "key", "", "keystore key registered on the client (default: the profile's)")
	cmd.Flags().StringSliceVar(&o.Scopes, "scope", nil, "scope the client has, to prove it with; repeat for several")
	cmd.Flags().BoolVar(&o.X5C, "x5c", false, "the client has the key's virksomhetssertifikat rather than its JWK: sign with the certificate chain")
	return cmd
}
