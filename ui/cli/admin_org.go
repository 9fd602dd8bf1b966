package cli

import (
	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/orgno"
)

func init() { register("org", newOrgCmd) }

func newOrgCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Record the organisation (organisasjonsnummer) the profile acts for",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newOrgSetCmd(f))
	return cmd
}

func newOrgSetCmd(f *Factory) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "set ORGNO [--name NAME]",
		Short: "Record the vendor's organisation number in the profile",
		Long: `Record the organisation number (9 digits, mod-11 checked) of the vendor the
profile acts for in this environment. Spaces and a 0192: prefix are accepted.`,
		Example: "  systembruker org set 314240979 --name \"Demo Regnskap AS\"\n  systembruker --env test org set \"314 240 979\"",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("`%s` needs one organisation number", cmd.CommandPath())
			}
			if _, err := orgno.Normalize(args[0]); err != nil {
				return usageError{err}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			if err := rt.SetOrg(args[0], name); err != nil {
				return err
			}
			who := rt.Facts.OrgNo
			if rt.Facts.OrgName != "" {
				who = rt.Facts.OrgName + " (" + who + ")"
			}
			f.successf("The profile acts for %s in %s", who, rt.Env.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the organisation's name, for display")
	return cmd
}
