package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

func init() { register("admin", newAdminCmd) }

func newAdminCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Record the admin client that may use Digdir's self-service API",
		Long: `The admin ("selvbetjenings-") client is a Maskinporten client with the
idporten:dcr.* scopes that Digdir provisions on request (servicedesk@digdir.no).
With it, systembruker creates clients and registers keys through Digdir's
self-service API. It signs with a key registered on it (kid) or with a
virksomhetssertifikat imported into the keystore (x5c).

In the sandbox the simulated vendor's admin client is set up automatically
the first time a command needs it. Without an admin client, create the client
in Digdir's self-service portal and record it with ` + "`systembruker client use`" + `.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAdminSetCmd(f), newAdminShowCmd(f), newAdminClearCmd(f))
	return cmd
}

type adminSetOptions struct{ ClientID, Key string }

func newAdminSetCmd(f *Factory) *cobra.Command {
	var o adminSetOptions
	cmd := &cobra.Command{
		Use:     "set --client-id ID --key NAME",
		Short:   "Record the admin client and the key (or virksomhetssertifikat) it signs with",
		Example: "  systembruker --env test admin set --client-id 0f2c…-… --key virksomhet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.ClientID == "" || o.Key == "" {
				return usageErrorf("give both --client-id (the admin client's id) and --key (its key in the keystore, see `systembruker keys list`)")
			}
			if err := selfservice.ValidClientID(o.ClientID); err != nil {
				return usageErrorf("--client-id: %v", err)
			}
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if err := rt.SetAdmin(o.ClientID, o.Key); err != nil {
				return err
			}
			st, err := rt.Admin()
			if err != nil {
				return err
			}
			f.successf("Admin client for %s: %s, signing with %s", rt.Env.Name, st.ClientID, adminSigning(st))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.ClientID, "client-id", "", "the admin client's id")
	fl.StringVar(&o.Key, "key", "", "keystore key it signs with (a key registered on it, or a virksomhetssertifikat)")
	return cmd
}

func adminSigning(st flows.AdminStatus) string {
	if st.SignsWith == "x5c" {
		return "key " + st.KeyName + " (virksomhetssertifikat, x5c)"
	}
	return fmt.Sprintf("key %s (kid %s)", st.KeyName, st.KID)
}

func newAdminShowCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the admin client of the profile in this environment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			st, err := rt.Admin()
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(f.IO.Out, st)
			}
			switch {
			case st.ClientID != "":
				fmt.Fprintf(f.IO.Out, "%s\n", st.ClientID)
				f.infof("Admin client in %s, signing with %s.", rt.Env.Name, adminSigning(st))
			case st.Bootstrap:
				f.infof("No admin client recorded: the sandbox sets up its admin client the first time a command needs it.")
			default:
				e := &flows.NoAdminError{Env: rt.Env.Name}
				f.infof("%s.\n%s", e.Error(), e.Hint())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the admin client as JSON on stdout")
	return cmd
}

func newAdminClearCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "clear",
		Short: "Forget the admin client (its key stays in the keystore)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if err := rt.ClearAdmin(); err != nil {
				return err
			}
			f.successf("Forgot the admin client for %s", rt.Env.Name)
			return nil
		},
	}
}

// adminFlags are --admin-client-id and --admin-key, on every command that
// uses the self-service API. Given, they are recorded like `admin set`.
type adminFlags struct{ ClientID, Key string }

func (a *adminFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&a.ClientID, "admin-client-id", "", "admin client for Digdir's self-service API (recorded, like `admin set`)")
	fl.StringVar(&a.Key, "admin-key", "", "keystore key the admin client signs with (recorded, like `admin set`)")
}

// selfService opens the runtime and the self-service API as the admin
// client, recording --admin-* first.
func (f *Factory) selfService(ctx context.Context, a adminFlags) (*flows.Runtime, *selfservice.API, error) {
	rt, err := f.Runtime()
	if err != nil {
		return nil, nil, err
	}
	if a.ClientID != "" || a.Key != "" {
		if a.ClientID != "" {
			if err := selfservice.ValidClientID(a.ClientID); err != nil {
				return nil, nil, usageErrorf("--admin-client-id: %v", err)
			}
		}
		if err := rt.SetAdmin(a.ClientID, a.Key); err != nil {
			return nil, nil, err
		}
	}
	api, err := rt.SelfService(ctx, f.progress)
	if err != nil {
		return nil, nil, err
	}
	return rt, api, nil
}

// progress writes a flow's progress line on stderr.
func (f *Factory) progress(msg string) { f.infof("%s", msg) }

// checkKeyName refuses a malformed --key before anything else runs.
func checkKeyName(flag, name string) error {
	if name == "" {
		return nil
	}
	if err := keystore.ValidName(name); err != nil {
		return usageErrorf("%s: %v", flag, err)
	}
	return nil
}
