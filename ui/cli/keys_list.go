package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/keystore"
)

type keysListOptions struct{ JSON bool }

func newKeysListCmd(f *Factory) *cobra.Command {
	var o keysListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List keys with their kid, storage, expiry and use",
		Long: `List the keys in the keystore: name, the start of the kid, where the private
key is kept, expiry and status. A key is "in use" when any profile, in any
environment, signs with it or uses it as admin key (the keychain is shared),
or an unfinished rotation involves it. A key that cannot be used is listed
as "incomplete" (interrupted while being stored) or "damaged" (its metadata
file cannot be read), with the fix. --json has every field, the full kid,
where it is used (used_by) and any problem (problem.kind, problem.file).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runKeysList(f, o) },
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the list as JSON on stdout")
	return cmd
}

func runKeysList(f *Factory, o keysListOptions) error {
	rt, err := f.Runtime()
	if err != nil {
		return err
	}
	keys, err := rt.ListKeys()
	if err != nil {
		return err
	}
	if o.JSON {
		return printJSON(f.IO.Out, keys)
	}
	if len(keys) == 0 {
		f.infof("No keys yet: create one with `systembruker keys generate`, or bring one with `systembruker keys import`.")
		return nil
	}
	if err := writeKeyTable(f.IO.Out, keys); err != nil {
		return err
	}
	for _, k := range keys {
		if p := k.Problem; p != nil {
			f.warnf("%s: %s", p.Detail, p.Fix)
		}
	}
	for _, k := range keys {
		if k.InUse && (k.Expired || k.ExpiresSoon) {
			f.warnf("Key %s, used by this profile, %s: rotate it with `systembruker keys rotate`", k.Name, expiryText(k))
		}
	}
	return nil
}

// shortKID is as much of a kid as the table has room for; --json and
// `keys public` have it whole.
const shortKID = 8

// writeKeyTable writes the keys list. It fits 80 columns for key names of
// up to 30 characters (the default names have 24 to 26): the full kid, key
// size and creation date are in --json.
func writeKeyTable(w io.Writer, keys []flows.KeyStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKID\tSTORED\tEXPIRES\tSTATUS")
	for _, k := range keys {
		kid, stored, expires := "-", "-", "-"
		if k.Problem == nil {
			kid, stored = k.KID, storedShort(k.Storage)
			if len(kid) > shortKID {
				kid = kid[:shortKID-1] + "…"
			}
		}
		if k.Expires != nil {
			expires = k.Expires.UTC().Format("2006-01-02")
		}
		row(tw, k.Name, kid, stored, expires, keyStatus(k))
	}
	return tw.Flush()
}

// storedShort names where the private key is in one word: "keychain" also
// for big keys kept in a file whose key is in the keychain.
func storedShort(s keystore.Storage) string {
	if s == keystore.InFile {
		return "file"
	}
	return "keychain"
}

func keyStatus(k flows.KeyStatus) string {
	if k.Problem != nil {
		return k.Problem.Kind
	}
	var s []string
	if k.InUse || k.KeyUses.Any() {
		s = append(s, "in use")
	}
	switch {
	case k.Expired:
		s = append(s, "expired")
	case k.ExpiresSoon:
		s = append(s, "expiring")
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func expiryText(k flows.KeyStatus) string {
	if k.Expired {
		return "expired " + k.Expires.UTC().Format("2006-01-02")
	}
	return "expires " + k.Expires.UTC().Format("2006-01-02")
}
