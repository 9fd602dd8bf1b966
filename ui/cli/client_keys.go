package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/flows"
)

func newClientKeysCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List, add and remove the keys registered on a client",
		Long: `A client has at most 5 keys; Digdir keeps each for a year from its upload.
Adding or removing one leaves the others as they are.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newClientKeysListCmd(f), newClientKeysAddCmd(f), newClientKeysRemoveCmd(f))
	return cmd
}

func newClientKeysListCmd(f *Factory) *cobra.Command {
	var o clientListOptions
	cmd := &cobra.Command{
		Use:   "list ID",
		Short: "List a client's keys: kid, alg, expiry, and which key here it is",
		Args:  clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, api, err := f.selfService(cmd.Context(), o.Admin)
			if err != nil {
				return err
			}
			keys, err := rt.ClientKeys(cmd.Context(), api, args[0])
			if err != nil {
				return err
			}
			if o.JSON {
				return printJSON(f.IO.Out, keys)
			}
			if len(keys) == 0 {
				f.infof("Client %s has no keys: add one with `systembruker client keys add %s --key NAME`.", args[0], args[0])
				return nil
			}
			return writeClientKeys(f, keys)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the keys as JSON on stdout")
	o.Admin.register(cmd)
	return cmd
}

func writeClientKeys(f *Factory, keys []flows.ClientKey) error {
	tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tEXPIRES\tKEY HERE\tIN USE")
	for _, k := range keys {
		exp, here, use := "-", "not in this keystore", "-"
		if k.Expires != nil {
			exp = k.Expires.Format("2006-01-02")
		}
		if k.InKeystore {
			here = k.KeyName
		}
		if k.InUse {
			use = "yes"
		}
		row(tw, k.KID, k.Alg, exp, here, use)
	}
	return tw.Flush()
}

type clientKeysAddOptions struct {
	Key   string
	Admin adminFlags
}

func newClientKeysAddCmd(f *Factory) *cobra.Command {
	var o clientKeysAddOptions
	cmd := &cobra.Command{
		Use:     "add ID --key NAME",
		Short:   "Register a keystore key's public JWK on a client, next to its other keys",
		Example: "  systembruker client keys add 0f2c5d1e-1eba-1bf2-59ed-1c4af065f30e --key spare-2026",
		Args:    clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Key == "" {
				return usageErrorf("--key is required: the keystore key to register (see `systembruker keys list`)")
			}
			if err := checkKeyName("--key", o.Key); err != nil {
				return err
			}
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if _, err := rt.Keys.Info(o.Key); err != nil {
				return err
			}
			if err := f.confirmWrite(rt.Env.Name, fmt.Sprintf("Register key %s on client %s", o.Key, args[0])); err != nil {
				return err
			}
			rt, api, err := f.selfService(cmd.Context(), o.Admin)
			if err != nil {
				return err
			}
			k, err := rt.AddClientKey(cmd.Context(), api, args[0], o.Key)
			if err != nil {
				return err
			}
			f.successf("Registered key %s (kid %s) on client %s%s", o.Key, k.KID, args[0], expiresText(&k))
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Key, "key", "", "keystore key to register (required)")
	o.Admin.register(cmd)
	return cmd
}

type clientKeysRemoveOptions struct {
	KID   string
	Force bool
	Admin adminFlags
}

func newClientKeysRemoveCmd(f *Factory) *cobra.Command {
	var o clientKeysRemoveOptions
	cmd := &cobra.Command{
		Use:   "remove ID --kid KID",
		Short: "Remove one key from a client, keeping the others",
		Long: `Remove one key from a client. The key the profile signs with is kept unless
--force: rotate first with ` + "`systembruker keys rotate`" + `. The private key stays in
the keystore (delete it with ` + "`systembruker keys delete`" + `).`,
		Args: clientIDArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.KID == "" {
				return usageErrorf("--kid is required: see `systembruker client keys list %s`", args[0])
			}
			if err := selfservice.ValidKID(o.KID); err != nil {
				return usageErrorf("--kid: %v", err)
			}
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if err := f.confirmWrite(rt.Env.Name, fmt.Sprintf("Remove key %s from client %s", o.KID, args[0])); err != nil {
				return err
			}
			rt, api, err := f.selfService(cmd.Context(), o.Admin)
			if err != nil {
				return err
			}
			left, err := rt.RemoveClientKey(cmd.Context(), api, args[0], o.KID, o.Force)
			if err != nil {
				return err
			}
			rest := "no keys left"
			if len(left.Keys) > 0 {
				rest = "keys left: " + strings.Join(left.KIDs(), ", ")
			}
			f.successf("Removed key %s from client %s (%s)", o.KID, args[0], rest)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.KID, "kid", "", "key id to remove (required)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "remove even the key the profile signs with")
	o.Admin.register(cmd)
	return cmd
}
