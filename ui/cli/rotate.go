package cli

import (
	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
)

type keysRotateOptions struct {
	ClientID string
	Bits     int
	KeepOld  bool
	Abandon  bool
	JSON     bool
	Admin    adminFlags
}

// newKeysRotateCmd is `systembruker keys rotate`.
func newKeysRotateCmd(f *Factory) *cobra.Command {
	var o keysRotateOptions
	cmd := &cobra.Command{
		Use:   "rotate [--client-id ID]",
		Short: "Replace a client's key with a new one, without downtime",
		Long: `Rotate the key of the profile's client (or, with the admin client's id as
--client-id, the admin client's key) without downtime:

  1. generate a new key in the keystore;
  2. register it on the client next to the old one;
  3. prove a token with it (in test and production, retrying while Digdir
     makes it usable, which can take minutes);
  4. switch the profile to it;
  5. remove the old key from the client;
  6. delete the old key from the keystore (unless --keep-old).

Each finished step is saved. If anything fails, the client still works with
one of the keys, and running the command again finishes the rotation from
where it stopped. A resumed rotation first checks that the profile still
uses the client and key it expects; if a command since (such as
` + "`client use --key`" + `) changed them, it stops and removes nothing, and
--abandon forgets the saved rotation (deleting no key).`,
		Example: "  systembruker keys rotate --yes\n  systembruker --env prod keys rotate --bits 3072",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.Bits {
			case 2048, 3072, 4096:
			default:
				return usageErrorf("--bits %d: choose 2048, 3072 or 4096", o.Bits)
			}
			ctx := cmd.Context()
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if o.Abandon {
				return abandonRotation(f, rt)
			}
			pending, err := rt.PendingRotation()
			if err != nil {
				return err
			}
			action := "Rotate the key of client " + orDefault(o.ClientID, rt.Facts.ClientID)
			if pending != nil {
				action = "Finish the key rotation of client " + pending.ClientID
			}
			if err := f.confirmWrite(rt.Env.Name, action); err != nil {
				return err
			}
			rt, api, err := f.selfService(ctx, o.Admin)
			if err != nil {
				return err
			}
			res, err := rt.RotateKey(ctx, api, flows.RotateOptions{
				ClientID: o.ClientID, Bits: o.Bits, KeepOld: o.KeepOld, Progress: f.progress,
			})
			if err != nil {
				return err
			}
			if o.JSON {
				return printJSON(f.IO.Out, res)
			}
			f.successf("Client %s now uses key %s (kid %s); the old key %s is gone from the client%s",
				res.ClientID, res.NewKey, res.NewKID, res.OldKey, keptText(res))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.ClientID, "client-id", "", "client whose key to rotate (default: the profile's)")
	fl.IntVar(&o.Bits, "bits", 2048, "size of the new key: 2048, 3072 or 4096")
	fl.BoolVar(&o.KeepOld, "keep-old", false, "keep the old private key in the keystore")
	fl.BoolVar(&o.Abandon, "abandon", false, "forget an unfinished rotation (removes no key)")
	fl.BoolVar(&o.JSON, "json", false, "print the finished rotation (client, old and new key and kid) as JSON on stdout")
	o.Admin.register(cmd)
	return cmd
}

func abandonRotation(f *Factory, rt *flows.Runtime) error {
	st, err := rt.AbandonRotation()
	if err != nil {
		return err
	}
	if st == nil {
		f.infof("No unfinished key rotation of profile %s in %s.", rt.ProfileName, rt.Env.Name)
		return nil
	}
	f.successf("Forgot the key rotation of client %s (key %s to %s); no key was removed from the keystore or the client",
		st.ClientID, st.OldKey, st.NewKey)
	return nil
}

func keptText(res *flows.Rotation) string {
	switch {
	case res.KeepOld:
		return " (kept in the keystore)"
	case res.OldKeyUsedBy != "":
		return " (kept in the keystore: still used by " + res.OldKeyUsedBy + ")"
	}
	return " and from the keystore"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// warnExpiringKeys warns on stderr about each key the profile uses that
// has expired or expires within 30 days. The wizard's start and
// `keys list` call it, so an expiring key is never a surprise.
func (f *Factory) warnExpiringKeys(rt *flows.Runtime) {
	keys, err := rt.ExpiringKeys()
	if err != nil {
		return // listing keys is not this warning's business to fail
	}
	for _, k := range keys {
		if !k.InUse {
			continue
		}
		f.warnf("Key %s, used by this profile in %s, %s: rotate it with `systembruker keys rotate`", k.Name, rt.Env.Name, expiryText(k))
	}
}

// warnPendingRotation names an unfinished rotation before a command that
// changes the profile's client or key: afterwards the rotation will stop
// rather than go on.
func (f *Factory) warnPendingRotation(rt *flows.Runtime) {
	st, err := rt.PendingRotation()
	if err != nil || st == nil {
		return
	}
	f.warnf("A key rotation of client %s (key %s to %s) is unfinished, next step %s. If this changes the "+
		"profile's client or key, `systembruker keys rotate` will stop without removing anything; "+
		"`systembruker keys rotate --abandon` then forgets it.", st.ClientID, st.OldKey, st.NewKey, st.NextStep())
}
