package cli

import (
	"errors"
	"fmt"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

type keysDeleteOptions struct {
	Name  string
	Force bool
}

func newKeysDeleteCmd(f *Factory) *cobra.Command {
	var o keysDeleteOptions
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key: its private key, encrypted files and metadata",
		Long: `Delete a key for good: its keychain items, encrypted files and metadata, and
every mention of it in the profiles. Also cleans up a key listed as
incomplete or damaged.

A key in use anywhere (any profile or environment signs with it or uses it
as admin key, or an unfinished rotation involves it) is deleted only when
you type its name, or with --force; --yes is not enough. With --env prod
every key needs its name typed (or --yes). Any other key: a y/N question,
or --yes.`,
		Example: "  systembruker keys delete old-2025 --yes\n  systembruker keys delete acme-prod --force",
		Args:    keysNameArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return runKeysDelete(f, o)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "delete a key in use without typing its name")
	return cmd
}

func runKeysDelete(f *Factory, o keysDeleteOptions) error {
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	// Check first, so nobody is asked to confirm deleting nothing. An
	// incomplete or damaged key is there to be deleted.
	if _, err := rt.Keys.Info(o.Name); errors.Is(err, keystore.ErrNotFound) {
		return err
	}
	uses, err := rt.KeyUses(o.Name)
	if err != nil {
		return err
	}
	switch {
	case o.Force:
	case uses.Any(), rt.Env.IsProd() && !f.Yes:
		if err := f.confirmKeyName(o.Name, uses, rt.Env.IsProd()); err != nil {
			return err
		}
	default:
		if err := f.confirmWrite("", fmt.Sprintf("Delete key %s for good", o.Name)); err != nil {
			return err
		}
	}
	if err := rt.DeleteKey(o.Name, o.Force || uses.Any()); err != nil {
		return err
	}
	f.successf("Deleted key %s", o.Name)
	return nil
}

// confirmKeyName asks for the key's name typed out, saying where it is in
// use and whether that is production. Without a terminal a key in use is
// refused: --force is the way to say it on purpose.
func (f *Factory) confirmKeyName(name string, uses flows.KeyUses, prodEnv bool) error {
	if !f.CanPrompt() {
		if uses.Any() {
			return &flows.KeyInUseError{Name: name, Uses: uses}
		}
		return usageErrorf("deleting key %s in prod needs confirmation: pass --yes to confirm without a prompt", name)
	}
	what := fmt.Sprintf("Key %s", name)
	if uses.Any() {
		what += " is in use: by " + uses.Describe() + ". Deleting it breaks token fetching there."
	} else {
		what += " is not used by any profile. Check that no Maskinporten client still uses it."
	}
	if uses.Prod() || prodEnv {
		lipgloss.Fprintf(f.IO.ErrOut, "%s %s\n", palette().ProdBadge.Render(" PROD "), what)
	} else {
		f.warnf("%s", what)
	}
	answer, err := f.readLine(fmt.Sprintf("Type the key's name (%s) to delete it: ", name))
	if err != nil {
		return err
	}
	if answer != name {
		return errCancelled
	}
	return nil
}
