package wizard

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/ui/styles"
)

// The onboarding screen's rendering: the layout, the header with the step
// crumbs, and the long pages (proposal, portal guide, result).

// layout gives the form or the scrolling page whatever height the rest
// leaves, so that the breadcrumbs and errors above stay in view.
func (o *onboard) layout() {
	if o.job.running {
		// The page is not shown, and the job may be writing the facts
		// it is made of.
		return
	}
	switch o.step {
	case obPropose, obGuide, obResult:
	default:
		if o.form != nil {
			o.form.WithHeight(max(o.c.height-lipgloss.Height(o.header())-1, 5))
		}
		return
	}
	o.vp.SetWidth(o.c.width)
	o.vp.SetContent(o.pageText())
	used := lipgloss.Height(o.header()) + 1
	if f := o.footer(); f != "" {
		used += lipgloss.Height(f) + 1
	}
	o.vp.SetHeight(max(o.c.height-used, 3))
}

func (o *onboard) View() string {
	out := o.header() + "\n"
	switch {
	case o.job.running:
		return out + o.job.view(o.c)
	case o.step == obPropose || o.step == obGuide || o.step == obResult:
		// The line below the page says when it goes on (layout keeps it).
		out += o.vp.View()
		f, more := o.footer(), o.more()
		if f != "" || more != "" {
			out += "\n" + more
		}
		if f != "" {
			out += "\n" + f
		}
		return out
	}
	if o.form != nil {
		out += o.form.View()
	}
	return out
}

// more says, on the line above the footer, that the page goes on below.
func (o *onboard) more() string {
	if o.vp.AtBottom() {
		return ""
	}
	return o.c.styles.Muted.Render("↓ more below: pgdown")
}

// header is where the step stands (the path so far), then the notice or
// error of the moment.
func (o *onboard) header() string {
	st := o.c.styles
	steps := []obStep{obOrg, obPath}
	switch {
	case o.ans.Path == pathAPI && needsAdminForm(o.c.rt):
		steps = append(steps, obAdmin, obClient, obPropose)
	case o.ans.Path == pathAPI:
		steps = append(steps, obClient, obPropose)
	default:
		steps = append(steps, obClient, obGuide, obClientID)
	}
	steps = append(steps, obResult)
	var crumbs []string
	for _, s := range steps {
		if s == o.step {
			crumbs = append(crumbs, st.Selected.Render(obStepNames[s]))
		} else {
			crumbs = append(crumbs, st.Muted.Render(obStepNames[s]))
		}
	}
	out := truncateLines(strings.Join(crumbs, st.Muted.Render(" › ")), o.c.width)
	if o.step == obOrg {
		out += "\n" + wrap(o.envIntro(), o.c.width)
	}
	if o.note != "" {
		out += "\n" + wrap(o.note, o.c.width)
	}
	if o.err != nil {
		out += "\n" + errorView(st, o.c.rt, o.c.width, o.errWhat(), o.err)
	}
	return out
}

// envIntro says, on the first sub-step, where all this happens.
func (o *onboard) envIntro() string {
	st := o.c.styles
	env := o.c.rt.Env
	switch {
	case env.IsProd():
		return st.Err.Render("PRODUCTION.") + " The client is real and serves real customers; creating it needs \"prod\" typed out."
	case env.Name == "test":
		return st.Subtitle.Render("TEST environment") + " (test.maskinporten.no, TT02). Use --env prod for production."
	case env.Embedded:
		return st.Subtitle.Render("SANDBOX") + ": the embedded simulator plays Maskinporten, Digdir and Altinn. " +
			"Nothing leaves this machine. Use --env test for Digdir's test environment."
	}
	return st.Subtitle.Render(strings.ToUpper(env.Name)) + ": the simulator at " + env.MaskinportenURL + "."
}

func (o *onboard) errWhat() string {
	switch o.step {
	case obOrg:
		return "Could not record the organisation"
	case obAdmin:
		return "Could not record the admin client"
	case obClient:
		return "Could not prepare the key"
	case obPropose:
		return "Could not create the client"
	case obGuide:
		return "The sandbox could not create the client"
	case obClientID:
		return "Could not use that client"
	}
	return "Failed"
}

// footer is what stays below a scrolling page: the confirmation, or the
// guide's file prompt and status.
func (o *onboard) footer() string {
	switch {
	case o.step == obPropose && o.form != nil:
		return o.form.View()
	case o.step == obGuide && o.pathForm != nil:
		return o.pathForm.View()
	case o.step == obGuide:
		return wrap(o.status, o.c.width)
	}
	return ""
}

func (o *onboard) pageText() string {
	switch o.step {
	case obPropose:
		return o.proposalText()
	case obGuide:
		return o.guideText()
	}
	return o.resultText()
}

// row is one value of a summary with, muted, why it is so: after the value
// when it fits there, else below it.
func (o *onboard) row(label, value, why string) string {
	const indent = 14
	st := o.c.styles
	pad := strings.Repeat(" ", indent)
	w := max(o.c.width-indent, 20)
	lines := strings.Split(wrap(value, w), "\n")
	if last := lines[len(lines)-1]; why != "" && lipgloss.Width(last)+3+lipgloss.Width(why) <= w {
		lines[len(lines)-1] = last + st.Muted.Render(" · "+why)
		why = ""
	}
	out := label + strings.Repeat(" ", max(indent-lipgloss.Width(label), 1)) + lines[0]
	for _, l := range lines[1:] {
		out += "\n" + pad + l
	}
	if why != "" {
		for _, l := range strings.Split(wrap(why, w), "\n") {
			out += "\n" + pad + st.Muted.Render(l)
		}
	}
	return out + "\n"
}

// proposalText is the client the API path will create, each value with
// the reason it has that value (fly launch's plan).
func (o *onboard) proposalText() string {
	var b strings.Builder
	b.WriteString(o.c.styles.Subtitle.Render("Create this Maskinporten client in "+o.c.rt.Env.Name+"?") +
		o.c.styles.Muted.Render(" Each value, and why.") + "\n")
	for _, r := range proposalRows(o.c.rt, o.ans) {
		b.WriteString(o.row(r.label, strings.Join(r.values, "\n"), r.why))
	}
	b.WriteString(wrap("Then a token proves that client, key and scopes work together.", o.c.width))
	return b.String()
}

// summaryRow is one value of a summary, for the screen and the accessible
// mode alike.
type summaryRow struct {
	label  string
	values []string
	why    string
}

func proposalRows(rt *flows.Runtime, a *onboardAnswers) []summaryRow {
	p := a.spec().Proposal()
	why := "yours"
	if strings.TrimSpace(a.Description) == "" {
		why = "the default: says who made it"
	}
	// Who owns and who creates it come first: the scope list is long, and
	// on a small terminal it is what scrolls out of view, not those.
	rows := []summaryRow{{"Organisation", []string{orgText(rt.Facts.OrgName, rt.Facts.OrgNo)}, "owns the client"}}
	if admin := rt.Facts.AdminClientID; admin == "" && rt.Env.Embedded {
		rows = append(rows, summaryRow{"Admin client", []string{"the sandbox's"}, "set up automatically"})
	} else {
		rows = append(rows, summaryRow{"Admin client", []string{admin + " (key " + rt.Facts.AdminKey + ")"},
			"creates it through Digdir's self-service API"})
	}
	rows = append(rows,
		summaryRow{"Name", []string{p.ClientName}, "Digdir's display name"},
		summaryRow{"Description", []string{p.Description}, why},
	)
	if a.Key == "" {
		rows = append(rows, summaryRow{"Key", []string{a.keyName() + ", new RSA 2048"},
			"private half stays here"})
	} else {
		rows = append(rows, summaryRow{"Key", []string{a.keyName()}, "your pick; the client gets its public half"})
	}
	rows = append(rows, summaryRow{"Scopes", flows.SystemUserScopes, "for system users"})
	if a.Delegation {
		rows = append(rows, summaryRow{"", flows.DelegationScopes, "client delegations"})
	}
	if own := a.scopes(); len(own) > 0 {
		rows = append(rows, summaryRow{"", own, "yours, from service owners"})
	}
	return rows
}

// recordedRows is what the profile records after the step.
func recordedRows(rt *flows.Runtime) []summaryRow {
	f := rt.Facts
	exp := "not known"
	if f.KeyExpires != nil {
		exp = f.KeyExpires.Format("2006-01-02")
	}
	return []summaryRow{
		{"Organisation", []string{orgText(f.OrgName, f.OrgNo)}, ""},
		{"Client id", []string{f.ClientID}, ""},
		{"Key", []string{f.KeyName}, ""},
		{"Key id (kid)", []string{f.KID}, ""},
		{"Key expires", []string{exp}, ""},
		{"Scopes", f.Scopes, ""},
	}
}

func orgText(name, no string) string {
	if name == "" {
		return no
	}
	return name + " (" + no + ")"
}

// guideText is the portal steps and the key to paste.
func (o *onboard) guideText() string {
	st := o.c.styles
	g := o.guide
	w := o.c.width
	var b strings.Builder
	steps := g.Steps
	switch {
	case g.Sandbox && o.c.rt.Env.Embedded:
		b.WriteString(wrap(st.Subtitle.Render("The sandbox has no web portal.")+
			" Press s and systembruker plays Digdir's portal: it creates the client with the key below, as you would by hand, and fills in its id. "+
			"In test and prod this page lists the portal's exact steps.", w) + "\n\n")
		steps = nil
	case g.Sandbox:
		b.WriteString(wrap(st.Subtitle.Render("This sandbox is a standalone simulator")+" (systembruker sim serve), so it has no web portal: "+
			"create the client through its control API (POST /sim/clients with the key below), as a vendor would in Digdir's portal, "+
			"then press enter and paste its client id.", w) + "\n\n")
		steps = nil
	default:
		b.WriteString(wrap(st.Subtitle.Render("Create the client in Digdir's self-service portal ("+g.Env+")"), w) + "\n")
	}
	for i, s := range steps {
		num := fmt.Sprintf("%d. ", i+1)
		lines := strings.Split(wrap(s, w-len(num)), "\n")
		b.WriteString(num + lines[0] + "\n")
		for _, l := range lines[1:] {
			b.WriteString(strings.Repeat(" ", len(num)) + l + "\n")
		}
	}
	if len(steps) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(wrap(st.Subtitle.Render("Key "+g.KeyName)+st.Muted.Render(" (kid "+g.KID+"): c copies it, w writes it to a file."), w) + "\n")
	b.WriteString(g.Paste + "\n")
	return b.String()
}

// resultText is what the step did and what the profile now records.
func (o *onboard) resultText() string {
	st := o.c.styles
	rt := o.c.rt
	w := o.c.width
	var b strings.Builder
	line := func(s string) { b.WriteString(wrap(s, w) + "\n") }
	// The ids are in the rows below, one per line, easy to copy.
	if c := o.created; c != nil {
		if c.Reused {
			line(st.OK.Render(styles.GlyphOK+" Reused client") + fmt.Sprintf(" %q: a client with this name existed.", c.Client.ClientName))
		} else {
			line(st.OK.Render(styles.GlyphOK+" Created client") + fmt.Sprintf(" %q.", c.Client.ClientName))
		}
		if c.Key != nil {
			line(st.OK.Render(styles.GlyphOK+" Registered the key") + " on it.")
		}
	} else {
		line(st.OK.Render(styles.GlyphOK+" Recorded the client") + " you made in the portal.")
	}
	if o.proofErr != nil {
		line(errorView(st, o.c.rt, w, "No token yet", o.proofErr))
		if rt.Env.Name != "sandbox" {
			line(st.Muted.Render("Digdir can take minutes (up to 10) before a new client or key works; press r to try again."))
		}
	} else {
		line(st.OK.Render(styles.GlyphOK+" Proven:") + " Maskinporten issued a token for this client and key.")
	}
	if o.adminNote != "" {
		line(st.Muted.Render(o.adminNote))
	}
	b.WriteString(st.Subtitle.Render("Recorded in profile "+rt.ProfileName+" for "+rt.Env.Name) + "\n")
	for _, r := range recordedRows(rt) {
		b.WriteString(o.row(r.label, strings.Join(r.values, "\n"), r.why))
	}
	b.WriteString("\n" + wrap("Next: press t for the Token check, or esc to go home.", w))
	return b.String()
}
