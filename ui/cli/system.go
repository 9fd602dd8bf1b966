package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/internal/termsafe"
)

func init() { register("system", newSystemCmd) }

func newSystemCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "system",
		Short: "Register and update the system in Altinn's system register",
		Long: `Keep the system's entry in Altinn's system register (systemregister) in a
TOML file under version control: ` + "`system diff`" + ` shows what would change,
` + "`system apply`" + ` creates or replaces the system. The profile's Maskinporten
client needs the scope altinn:authentication/systemregister.write.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSystemDiffCmd(f), newSystemApplyCmd(f), newSystemShowCmd(f),
		newSystemListCmd(f), newSystemDeleteCmd(f))
	return cmd
}

type systemFileOptions struct {
	File string
	JSON bool
}

func newSystemDiffCmd(f *Factory) *cobra.Command {
	var o systemFileOptions
	cmd := &cobra.Command{
		Use:   "diff -f FILE [--json]",
		Short: "Show, field by field, what applying the file would change; writes nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, plan, err := f.systemPlan(cmd, o.File)
			if err != nil {
				return err
			}
			if o.JSON {
				return printJSON(f.IO.Out, plan)
			}
			printPlan(f.IO.Out, plan)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "the system file (TOML; see README, \"System register\")")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the plan as JSON")
	return cmd
}

func newSystemApplyCmd(f *Factory) *cobra.Command {
	var o systemFileOptions
	cmd := &cobra.Command{
		Use:   "apply -f FILE [--yes] [--json]",
		Short: "Create or replace the system from the file, after showing the plan",
		Long: `Show the plan and a preview of what customers will see on Altinn's approval
page, ask for confirmation (in prod: type "prod"), then create the system or
replace it whole. When nothing differs nothing is sent. The profile records
the system id.`,
		Example: `  systembruker system apply -f system.toml
  systembruker --env test system apply -f system.toml --yes --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runSystemApply(cmd, f, o) },
	}
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "the system file (TOML; see README, \"System register\")")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the result as JSON")
	return cmd
}

func runSystemApply(cmd *cobra.Command, f *Factory, o systemFileOptions) error {
	rt, plan, err := f.systemPlan(cmd, o.File)
	if err != nil {
		return err
	}
	if plan.Action != flows.PlanNone {
		printPlan(f.IO.ErrOut, plan)
		printPreview(f.IO.ErrOut, plan.System, rt.Facts.OrgName)
		verb := "Replace"
		if plan.Action == flows.PlanCreate {
			verb = "Create"
		}
		if err := f.confirmWrite(rt.Env.Name, fmt.Sprintf("%s system %s in Altinn's system register", verb, plan.System.ID)); err != nil {
			return err
		}
	}
	res, err := rt.ApplySystem(cmd.Context(), plan)
	if err != nil {
		return err
	}
	switch res.Action {
	case flows.PlanNone:
		f.successf("Nothing to change: system %s in Altinn matches %s; nothing was sent", res.SystemID, o.File)
	case flows.PlanCreate:
		f.successf("Registered system %s in %s", res.SystemID, rt.Env.Name)
	default:
		f.successf("Replaced system %s in %s", res.SystemID, rt.Env.Name)
	}
	if o.JSON {
		return printJSON(f.IO.Out, res)
	}
	_, err = fmt.Fprintln(f.IO.Out, res.SystemID)
	return err
}

// systemPlan loads the file and compares it with Altinn. Mistakes in the
// file or the profile are usage errors (exit 2).
func (f *Factory) systemPlan(cmd *cobra.Command, file string) (*flows.Runtime, *flows.SystemPlan, error) {
	if file == "" {
		return nil, nil, usageErrorf("-f FILE is required: the system file (see README, \"System register\")")
	}
	sf, err := flows.LoadSystemFile(file)
	if err != nil {
		return nil, nil, asUsage(err)
	}
	rt, err := f.Runtime()
	if err != nil {
		return nil, nil, err
	}
	plan, err := rt.PlanSystem(cmd.Context(), sf)
	if err != nil {
		return nil, nil, asUsage(err)
	}
	for _, w := range plan.Warnings {
		f.warnf("%s", w)
	}
	return rt, plan, nil
}

// asUsage marks mistakes in the input as usage errors, leaving others.
func asUsage(err error) error {
	var fe *flows.FileError
	var ie *flows.InputError
	if errors.As(err, &fe) || errors.As(err, &ie) {
		return usageError{err}
	}
	return err
}

func newSystemShowCmd(f *Factory) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show [ID] [--json]",
		Short: "Show a system as Altinn has it (default: the profile's)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			s, err := rt.GetSystem(cmd.Context(), id)
			if err != nil {
				return asUsage(err)
			}
			if jsonOut {
				return printJSON(f.IO.Out, s)
			}
			printSystem(f.IO.Out, s)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print Altinn's answer as JSON")
	return cmd
}

func newSystemListCmd(f *Factory) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the organisation's systems in Altinn's system register",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			list, err := rt.ListSystems(cmd.Context())
			if err != nil {
				return asUsage(err)
			}
			if jsonOut {
				return printJSON(f.IO.Out, list)
			}
			if len(list) == 0 {
				f.infof("No systems in %s: register one with `systembruker system apply -f FILE`.", rt.Env.Name)
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVISIBLE\tNAME")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%t\t%s\n", plain(s.SystemID), s.IsVisible, plain(s.Name["nb"]))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the list as JSON")
	return cmd
}

func newSystemDeleteCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID [--yes]",
		Short: "Delete a system; its id can never be used again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := f.Runtime()
			if err != nil {
				return err
			}
			id := args[0]
			f.warnf("Altinn keeps a deleted system's id for ever: %s can never be registered again. "+
				"Its client ids are freed; its system users are not deleted.", id)
			if err := f.confirmWrite(rt.Env.Name, "Delete system "+id); err != nil {
				return err
			}
			if err := rt.DeleteSystem(cmd.Context(), id); err != nil {
				return asUsage(err)
			}
			f.successf("Deleted system %s in %s", id, rt.Env.Name)
			return nil
		},
	}
}

// plain is outside text (from Altinn or a file) made safe for the
// terminal, on one line.
func plain(s string) string { return termsafe.Line(s) }
