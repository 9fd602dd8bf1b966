package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/flows"
)

func init() { register("profile", newProfileCmd) }

func newProfileCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "List, show and switch profiles (a vendor's set-up per environment)",
		Long: `A profile records the non-secret facts of a vendor's set-up in each
environment: org number, client id, key name and kid, scopes, key expiry,
admin client and system id. Secrets are never in a profile.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newProfileListCmd(f), newProfileShowCmd(f), newProfileUseCmd(f))
	return cmd
}

type profileRow struct {
	Name   string   `json:"name"`
	Active bool     `json:"active"`
	Env    string   `json:"env"`
	Envs   []string `json:"envs"`
}

func newProfileListCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List profiles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			rows := []profileRow{}
			for _, name := range rt.Config.ProfileNames() {
				p := rt.Config.Profiles[name]
				row := profileRow{Name: name, Active: name == rt.ProfileName, Env: p.EnvName(""), Envs: []string{}}
				for _, e := range config.Names {
					if _, ok := p.Envs[e]; ok {
						row.Envs = append(row.Envs, e)
					}
				}
				rows = append(rows, row)
			}
			if asJSON {
				return printJSON(f.IO.Out, rows)
			}
			if len(rows) == 0 {
				f.infof("No profiles yet: the %q profile is made on first use.", config.DefaultProfile)
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  NAME\tENV\tSET UP IN")
			for _, r := range rows {
				mark := " "
				if r.Active {
					mark = "*"
				}
				fmt.Fprintf(tw, "%s %s\t%s\t%v\n", mark, r.Name, r.Env, r.Envs)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

type profileView struct {
	Profile string             `json:"profile"`
	Env     string             `json:"env"`
	Facts   *config.EnvProfile `json:"facts"`
	URLs    config.URLs        `json:"urls"`
}

func newProfileShowCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the active profile's facts and endpoints in the environment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			e := rt.Env
			v := profileView{Profile: rt.ProfileName, Env: e.Name, Facts: rt.Facts, URLs: config.URLs{
				Maskinporten: e.MaskinportenURL, Issuer: e.Issuer, SelfService: e.SelfServiceURL,
				Altinn: e.AltinnURL, AltinnUI: e.AltinnUIURL,
			}}
			if asJSON {
				return printJSON(f.IO.Out, v)
			}
			embedded := "(embedded simulator)"
			or := func(s string) string {
				if s == "" {
					return embedded
				}
				return s
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			rows := [][2]string{
				{"profile", rt.ProfileName}, {"environment", e.Name},
				{"org number", rt.Facts.OrgNo}, {"org name", rt.Facts.OrgName},
				{"client id", rt.Facts.ClientID}, {"key", rt.Facts.KeyName}, {"kid", rt.Facts.KID},
				{"proven", proofText(rt)},
				// One a line: a scope is long, and a list of them is no Go slice.
				{"scopes", strings.Join(rt.Facts.Scopes, "\n")},
				{"admin client", rt.Facts.AdminClientID}, {"admin key", rt.Facts.AdminKey},
				{"system id", rt.Facts.SystemID},
				{"maskinporten", or(e.MaskinportenURL)}, {"issuer", e.Issuer},
				{"self-service", or(e.SelfServiceURL)}, {"altinn", or(e.AltinnURL)}, {"altinn ui", or(e.AltinnUIURL)},
			}
			if rt.Facts.KeyExpires != nil {
				rows = append(rows, [2]string{"key expires", rt.Facts.KeyExpires.Format("2006-01-02")})
			}
			for _, r := range rows {
				if r[1] == "" {
					r[1] = "-"
				}
				for i, line := range strings.Split(r[1], "\n") {
					if i > 0 {
						r[0] = ""
					}
					row(tw, r[0], line)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// proofText says whether a token has proven the recorded client and key,
// and if not, the command that does.
func proofText(rt *flows.Runtime) string {
	f := rt.Facts
	switch {
	case f.ClientID == "":
		return ""
	case f.IsProven():
		return "yes, a token was issued on " + f.Proven.At.Format(time.DateOnly)
	}
	return "recorded, not proven (no token yet); prove it with\n  " + rt.ProveCommand()
}

func newProfileUseCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "use NAME",
		Short: "Make NAME the active profile (with --env, also its default environment)",
		Example: "  systembruker profile use acme\n" +
			"  systembruker profile use acme --env test",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := config.ValidProfileName(name); err != nil {
				return usageError{err}
			}
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			p, _, err := rt.Config.Profile(name)
			if err != nil {
				return err
			}
			rt.Config.ActiveProfile = name
			if f.Env != "" {
				p.Env = f.Env
			}
			if err := rt.SaveProfile(); err != nil {
				return err
			}
			f.successf("Profile %s is active (environment %s).", name, p.EnvName(""))
			return nil
		},
	}
}
