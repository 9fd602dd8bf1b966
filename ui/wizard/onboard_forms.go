package wizard

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/huh/v2"

	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/flows"
	"github.com/systembruker/systembruker/orgno"
)

// The onboarding step's questions, shared by the full-screen screen and the
// accessible mode. Each builder returns one group with at least one field
// (huh v2.0.3 panics on an empty group); the screen joins them with hide
// functions, the accessible mode asks them one after the other, because
// huh's accessible runner ignores hide functions.

// onboardPath is how the client comes to exist.
type onboardPath int

const (
	pathAPI    onboardPath = iota + 1 // the wizard creates it with an admin client
	pathPortal                        // the vendor creates it in Digdir's portal
)

// importP12 is the admin key choice "import a virksomhetssertifikat"; the
// colon keeps it apart from every key name (keystore names have none).
const importP12 = ":import-p12"

// onboardAnswers are every answer of the onboarding step. The screen keeps
// them behind a pointer, so that going back rebuilds a form that shows them.
type onboardAnswers struct {
	OrgNo, OrgName string
	Path           onboardPath

	// API path: the admin client.
	RecordedAdmin bool // use the profile's admin client
	AdminClientID string
	AdminKey      string // a keystore key, or importP12
	P12Path       string
	P12Password   string

	// The client to create (API) or to make in the portal.
	Name        string
	Description string
	Scopes      string                 // service-owner scopes, space or comma separated
	Available   []flows.AvailableScope // what Digdir says the organisation may use
	Delegation  bool
	Key         string // a keystore key; "" generates NewKey
	NewKey      string

	Confirm bool   // create it (not prod)
	Typed   string // "prod" (prod)

	ClientID string // pasted back from the portal
}

func newOnboardAnswers(rt *flows.Runtime) *onboardAnswers {
	f := rt.Facts
	a := &onboardAnswers{
		OrgNo: f.OrgNo, OrgName: f.OrgName, Path: pathPortal,
		RecordedAdmin: f.AdminClientID != "" && f.AdminKey != "",
		NewKey:        rt.DefaultKeyName(),
	}
	if rt.Env.Embedded {
		// The embedded sandbox's admin client belongs to its seeded vendor;
		// its bootstrap makes the profile act for it.
		a.Path = pathAPI
		if a.OrgNo == "" {
			a.OrgNo, a.OrgName = flows.SandboxVendorOrgNo, flows.SandboxVendorOrgName
		}
	}
	if a.RecordedAdmin {
		a.Path = pathAPI
	}
	if a.OrgName != "" {
		a.Name = a.OrgName + " systembruker"
	}
	return a
}

// orgRecorded takes the organisation as SetOrg normalised it, and renames
// the proposed client after it unless the user named the client.
func (a *onboardAnswers) orgRecorded(rt *flows.Runtime, prevName string) {
	a.OrgNo, a.OrgName = rt.Facts.OrgNo, rt.Facts.OrgName
	if a.Name == "" || a.Name == prevName+" systembruker" {
		a.Name = a.OrgName + " systembruker"
	}
}

// scopes is the service-owner scopes as a list.
func (a *onboardAnswers) scopes() []string {
	return strings.FieldsFunc(a.Scopes, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

func (a *onboardAnswers) spec() flows.ClientSpec {
	return flows.ClientSpec{Name: a.Name, Description: a.Description, Scopes: a.scopes(), Delegation: a.Delegation}
}

// keyName is the key the client gets: the chosen one, or the new one.
func (a *onboardAnswers) keyName() string {
	if a.Key != "" {
		return a.Key
	}
	return a.NewKey
}

// orgGroup asks for the organisation the profile acts for.
func orgGroup(rt *flows.Runtime, a *onboardAnswers, accessible bool) *huh.Group {
	desc := "9 digits (organisasjonsnummer); spaces and a 0192: prefix are fine."
	if rt.Env.Name == "sandbox" {
		desc += " The sandbox's vendor is " + flows.SandboxVendorOrgName + ", " + flows.SandboxVendorOrgNo + ": its admin client and portal act for it."
	}
	return huh.NewGroup(
		huh.NewInput().
			Title(withDefault("Organisation number", a.OrgNo, accessible)).
			Description(desc).
			Value(&a.OrgNo).
			Validate(orDefault(accessible, a.OrgNo, func(s string) error {
				_, err := orgno.Normalize(s)
				return err
			})),
		huh.NewInput().
			Title(withDefault("Organisation name", a.OrgName, accessible)).
			Description("The vendor's name as in Enhetsregisteret; it goes into the proposed client name.").
			Value(&a.OrgName).
			Validate(orDefault(accessible, a.OrgName, func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("give the organisation's name")
				}
				return nil
			})),
	)
}

// pathGroup asks how the client will be made.
func pathGroup(rt *flows.Runtime, a *onboardAnswers) *huh.Group {
	api := "API: I have an admin client for Digdir's self-service API"
	desc := "An admin client is granted by Digdir on request (servicedesk@digdir.no). " +
		"Without one, you make the client in the portal and systembruker guides you."
	if rt.Env.Embedded {
		api = "API: the sandbox's admin client (set up automatically)"
		desc = "In the sandbox both work: the API path uses the simulator's admin client, " +
			"the portal path lets you play Digdir's portal."
	}
	return huh.NewGroup(huh.NewSelect[onboardPath]().
		Title("How will the Maskinporten client be created?").
		Description(desc).
		Options(
			huh.NewOption(api, pathAPI),
			huh.NewOption("Portal: I'll create it by hand in Digdir's self-service portal", pathPortal),
		).
		Value(&a.Path))
}

// needsAdminForm reports whether the API path must ask for an admin
// client: not in the embedded sandbox, which sets its own up.
func needsAdminForm(rt *flows.Runtime) bool { return !rt.Env.Embedded }

// recordedAdminGroup offers the profile's admin client. Only built when one
// is recorded.
func recordedAdminGroup(rt *flows.Runtime, a *onboardAnswers) *huh.Group {
	f := rt.Facts
	return huh.NewGroup(huh.NewSelect[bool]().
		Title("Admin client").
		Options(
			huh.NewOption(fmt.Sprintf("The recorded one: %s (key %s)", f.AdminClientID, f.AdminKey), true),
			huh.NewOption("Another admin client", false),
		).
		Value(&a.RecordedAdmin))
}

// adminGroup asks for an admin client and the key it signs with.
func adminGroup(rt *flows.Runtime, a *onboardAnswers, keys []flows.KeyStatus, accessible bool) *huh.Group {
	opts := make([]huh.Option[string], 0, len(keys)+1)
	for _, k := range keys {
		label := k.Name + " (kid " + short(k.KID) + ")"
		if k.Certificate != nil {
			label = k.Name + " (virksomhetssertifikat"
			if k.Certificate.OrgNo != "" {
				label += " for " + k.Certificate.OrgNo
			}
			label += ")"
		}
		opts = append(opts, huh.NewOption(label, k.Name))
	}
	opts = append(opts, huh.NewOption("Import a virksomhetssertifikat (.p12) now", importP12))
	return huh.NewGroup(
		huh.NewInput().
			Title(withDefault("Admin client id", a.AdminClientID, accessible)).
			Description("The self-service admin client Digdir gave your organisation (its Klient-ID).").
			Value(&a.AdminClientID).
			Validate(orDefault(accessible, a.AdminClientID, selfservice.ValidClientID)),
		huh.NewSelect[string]().
			Title("It signs with").
			Description("A key registered on the admin client, or your virksomhetssertifikat.").
			Options(opts...).
			Value(&a.AdminKey),
	)
}

// p12Group asks for the virksomhetssertifikat file. The password is asked
// separately: accessible mode reads it from the terminal itself.
func p12Group(a *onboardAnswers) *huh.Group {
	return huh.NewGroup(huh.NewInput().
		Title("Virksomhetssertifikat file (.p12 / .pfx)").
		Description("Read once into the keystore; ~ means your home folder.").
		Value(&a.P12Path).
		Validate(existingFile))
}

// clientGroup asks what the client is: name, description, the scopes
// (scopeInput) and delegations. width is the form's, for descriptions
// wrapped between words (0: leave them to the terminal, as line prompts
// do).
func clientGroup(a *onboardAnswers, scopes *huh.Input, width int, accessible bool) *huh.Group {
	return huh.NewGroup(
		huh.NewInput().
			Title(withDefault("Client name", a.Name, accessible)).
			Description("Digdir shows it as the client's display name.").
			Value(&a.Name).
			Validate(orDefault(accessible, a.Name, func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("give the client a name")
				}
				return nil
			})),
		huh.NewInput().
			Title("Description (optional)").
			Description("Empty gives \"Maskinporten client of <name>, set up with systembruker\".").
			Value(&a.Description),
		scopes,
		huh.NewConfirm().
			Title("Also manage client delegations (klientdelegering)?").
			Description(describe("Adds altinn:clientdelegations.read and .write, for agent system users.", width)).
			Value(&a.Delegation),
	)
}

// keyGroup asks which key the client gets: a new one, or one of the
// keystore's that has not expired and is not the admin client's.
func keyGroup(rt *flows.Runtime, a *onboardAnswers, keys []flows.KeyStatus) *huh.Group {
	opts := []huh.Option[string]{huh.NewOption("Generate a new key: "+a.NewKey+" (RSA 2048)", "")}
	for _, k := range keys {
		if k.Expired || k.Name == rt.Facts.AdminKey || k.Name == rt.SandboxAdminKeyName() {
			continue
		}
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s (kid %s, created %s)", k.Name, short(k.KID), k.Created.Format(time.DateOnly)), k.Name))
	}
	return huh.NewGroup(huh.NewSelect[string]().
		Title("Key").
		Description("The client trusts grants signed with this key; its private half never leaves the keystore.").
		Options(opts...).
		Value(&a.Key))
}

// confirmGroup asks before the client is created: a yes/no, or in prod the
// word prod typed out.
func confirmGroup(rt *flows.Runtime, a *onboardAnswers, accessible bool) *huh.Group {
	if rt.Env.IsProd() {
		in := huh.NewInput().
			Title(`PRODUCTION: type "prod" to create the client`).
			Value(&a.Typed)
		if !accessible {
			in.Description("Esc goes back without creating anything.").Validate(func(s string) error {
				if strings.TrimSpace(s) != "prod" {
					return errors.New(`type prod exactly to create the client, or press esc to go back`)
				}
				return nil
			})
		}
		return huh.NewGroup(in)
	}
	return huh.NewGroup(huh.NewConfirm().
		Title("Create this client?").
		Affirmative("Create").
		Negative("Back").
		Value(&a.Confirm))
}

// confirmed reports whether the answers say create.
func (a *onboardAnswers) confirmed(prod bool) bool {
	if prod {
		return strings.TrimSpace(a.Typed) == "prod"
	}
	return a.Confirm
}

// clientIDGroup takes the client id back from the portal.
func clientIDGroup(a *onboardAnswers, width int) *huh.Group {
	return huh.NewGroup(huh.NewInput().
		Title("Client id (Klient-ID) from the portal").
		Description(describe("Shown on the client's page; a UUID like d1427568-1eba-1bf2-59ed-1c4af065f30e.", width)).
		Value(&a.ClientID).
		Validate(func(s string) error { return selfservice.ValidClientID(strings.TrimSpace(s)) }))
}

// orDefault lets an empty answer through in accessible mode when the field
// has a default: the line prompt then takes the default.
func orDefault(accessible bool, def string, check func(string) error) func(string) error {
	return func(s string) error {
		if accessible && s == "" && def != "" {
			return nil
		}
		return check(strings.TrimSpace(s))
	}
}

// short keeps the start of a long id (an RFC 7638 kid has 43 characters).
func short(id string) string {
	if len(id) <= 12 {
		return id
	}
	return id[:10] + "…"
}

// p12PasswordGroup asks for the .p12 file's password.
func p12PasswordGroup(a *onboardAnswers) *huh.Group {
	return huh.NewGroup(huh.NewInput().
		Key(p12PasswordKey).
		Title("Password for the .p12 file").
		Description("It unlocks the file once; the key is then kept in the keystore without it.").
		EchoMode(huh.EchoModePassword).
		Value(&a.P12Password))
}
