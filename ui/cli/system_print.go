package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/systembruker/systembruker/api/altinn/systemregister"
	"github.com/systembruker/systembruker/flows"
)

// printPlan writes the plan field by field: "+" added, "-" removed,
// "old → new" for a changed value.
func printPlan(w io.Writer, p *flows.SystemPlan) {
	switch p.Action {
	case flows.PlanNone:
		fmt.Fprintf(w, "System %s: no changes.\n", plain(p.System.ID))
		return
	case flows.PlanCreate:
		fmt.Fprintf(w, "System %s: create (new in Altinn's system register)\n", plain(p.System.ID))
	default:
		n := fmt.Sprintf("%d fields change", len(p.Changes))
		if len(p.Changes) == 1 {
			n = "1 field changes"
		}
		fmt.Fprintf(w, "System %s: replace (%s)\n", plain(p.System.ID), n)
	}
	for _, c := range p.Changes {
		switch {
		case c.Added != nil || c.Removed != nil:
			for _, x := range c.Added {
				fmt.Fprintf(w, "  %-16s + %s\n", c.Field, plain(x))
			}
			for _, x := range c.Removed {
				fmt.Fprintf(w, "  %-16s - %s\n", c.Field, plain(x))
			}
		case c.Old == "":
			fmt.Fprintf(w, "  %-16s + %s\n", c.Field, plain(c.New))
		default:
			fmt.Fprintf(w, "  %-16s %s → %s\n", c.Field, plain(c.Old), plain(c.New))
		}
	}
}

// printPreview tells, in nb and en, what a customer will see on Altinn's
// approval page (altinn-api.md §15.5) for a request for this system. The
// packages and services are named by id: their titles and owners come from
// the access-package catalogue and the resource registry, which this
// command does not read yet, and it says so.
func printPreview(w io.Writer, s systemregister.System, vendorName string) {
	orgNo := strings.TrimPrefix(s.Vendor.ID, "0192:")
	nbVendor, enVendor := plain(vendorName), plain(vendorName)
	if vendorName == "" {
		nbVendor, enVendor = "(leverandørens navn)", "(the vendor's name)"
	}
	pkgs := codes(systemregister.URNs(s.AccessPackages))
	res := systemregister.ResourceIDs(s.Rights)
	fmt.Fprintln(w, "\nWhat a customer will see when asked to approve a request for this system:")
	fmt.Fprintf(w, "  nb  Gi tilgang til system\n")
	fmt.Fprintf(w, "      %s ber om systemtilgang for virksomheten din.\n", plain(s.Name["nb"]))
	fmt.Fprintf(w, "      Tilgangspakker: %s\n", list(pkgs, "ingen"))
	fmt.Fprintf(w, "      Enkelttjenester: %s\n", list(res, "ingen"))
	fmt.Fprintf(w, "      Levert av %s, org.nr. %s\n", nbVendor, orgNo)
	fmt.Fprintf(w, "  en  Give access to system\n")
	fmt.Fprintf(w, "      %s asks for system access for your organisation.\n", plain(s.Name["en"]))
	fmt.Fprintf(w, "      Access packages: %s\n", list(pkgs, "none"))
	fmt.Fprintf(w, "      Single services: %s\n", list(res, "none"))
	fmt.Fprintf(w, "      Delivered by %s, org.nr. %s\n", enVendor, orgNo)
	fmt.Fprintln(w, "  Packages and services are shown by id: Altinn shows their names and the")
	fmt.Fprintln(w, "  services' owners, which this preview does not look up yet.")
	if vendorName == "" {
		fmt.Fprintln(w, "  The profile has no organisation name; Altinn shows the one in the")
		fmt.Fprintln(w, "  Central Coordinating Register (Enhetsregisteret).")
	}
	if !s.Visible() {
		fmt.Fprintln(w, "  visible = false: customers cannot pick the system in Altinn themselves;")
		fmt.Fprintln(w, "  only requests you send reach them.")
	}
	fmt.Fprintln(w)
}

// codes shortens package URNs to their code, the part customers recognise.
func codes(urns []string) []string {
	out := make([]string, 0, len(urns))
	for _, u := range urns {
		out = append(out, strings.TrimPrefix(u, systemregister.PackagePrefix))
	}
	return out
}

func list(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return plain(strings.Join(xs, ", "))
}

// printSystem writes a system as Altinn has it.
func printSystem(w io.Writer, s *systemregister.System) {
	row := func(k, v string) { fmt.Fprintf(w, "%-16s %s\n", k, plain(v)) }
	row("id", s.ID)
	row("vendor", s.Vendor.ID)
	for _, lang := range []string{"nb", "nn", "en"} {
		row("name."+lang, s.Name[lang])
	}
	for _, lang := range []string{"nb", "nn", "en"} {
		row("description."+lang, s.Description[lang])
	}
	row("visible", fmt.Sprint(s.Visible()))
	row("client_ids", list(s.ClientIDs, "-"))
	row("redirect_urls", list(s.AllowedRedirectURLs, "-"))
	row("access_packages", list(systemregister.URNs(s.AccessPackages), "-"))
	row("resources", list(systemregister.ResourceIDs(s.Rights), "-"))
	if s.IsDeleted {
		row("deleted", "yes: the id can never be used again")
	}
}
