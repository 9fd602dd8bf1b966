package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
)

type clientScopesOptions struct {
	JSON  bool
	Admin adminFlags
}

func newClientScopesCmd(f *Factory) *cobra.Command {
	var o clientScopesOptions
	cmd := &cobra.Command{
		Use:   "scopes",
		Short: "List the scopes your organisation may put on a Maskinporten client",
		Long: `List the scopes the organisation may put on a Maskinporten client: those an
API owner has granted it, and those accessible for all, where Maskinporten
is an allowed integration. Use them with client create --scope.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, api, err := f.selfService(cmd.Context(), o.Admin)
			if err != nil {
				return err
			}
			scopes, err := rt.AvailableScopes(cmd.Context(), api)
			if err != nil {
				return err
			}
			if o.JSON {
				if scopes == nil {
					scopes = []flows.AvailableScope{}
				}
				return printJSON(f.IO.Out, scopes)
			}
			if len(scopes) == 0 {
				f.infof("No scopes available to the organisation: an API owner must grant access first.")
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SCOPE\tACCESS\tDESCRIPTION")
			for _, s := range scopes {
				row(tw, s.Name, s.Access, s.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the scopes as JSON on stdout")
	o.Admin.register(cmd)
	return cmd
}
