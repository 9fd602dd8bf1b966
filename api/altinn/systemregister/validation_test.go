package systemregister_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/systembruker/systembruker/api/altinn/systemregister"
)

// Every validation code the simulator returns, each asserted by the
// explanation the user reads: the field, what is wrong, how to fix it, and
// Altinn's own title.
func TestValidationCodes(t *testing.T) {
	env := startSim(t)
	v := env.newVendor(vendorOrg, false, systemregister.Scope)
	taken := env.newVendor(vendorOrg, false, systemregister.Scope)
	if _, err := v.reg.Create(ctx, newSystem("existing", taken.clientID)); err != nil {
		t.Fatal(err)
	}
	pkg := func(code string) systemregister.AccessPackage {
		return systemregister.AccessPackage{URN: systemregister.PackagePrefix + code}
	}
	type op int
	const (
		create op = iota
		replace
		replaceAt // PUT to the existing system's URL, whatever the body's id
		rights
		packages
	)
	tests := []struct {
		code string
		op   op
		edit func(*systemregister.System)
		want string // the whole explanation line
	}{
		{"AUTH.VLD-00000", create, func(s *systemregister.System) { s.Vendor.ID = vendorOrg },
			`vendor.ID is not an ISO 6523 organisation id: send "0192:" followed by your 9-digit organisation number (AUTH.VLD-00000: the org number identifier is not valid ISO6523 identifier)`},
		{"AUTH.VLD-00001", create, func(s *systemregister.System) { s.ID = "310007919_smart" },
			"id does not start with the vendor's organisation number and an underscore: name the system {orgno}_{name}, with your own organisation number (AUTH.VLD-00001: The system id does not match the format orgnumber_xxxx...)"},
		{"AUTH.VLD-00002", create, func(s *systemregister.System) { s.ID = vendorOrg + "_existing" },
			"id is taken: system ids stay taken for ever, also after a delete: choose another id (change the part after the underscore) (AUTH.VLD-00002: The system id already exists)"},
		{"AUTH.VLD-00003", create, func(s *systemregister.System) {
			s.Rights = []systemregister.Right{systemregister.RightFor("app_brg_aarsregnskap")}
		},
			"rights names a resource that does not exist in this environment's resource registry: check the resource id in this environment (TT02 and prod differ; apps are app_{org}_{app}) (AUTH.VLD-00003: One or more resources specified in rights were not found in Altinn's resource register.; ResourceIds Not Found: app_brg_aarsregnskap)"},
		{"AUTH.VLD-00004", create, func(s *systemregister.System) { s.ClientIDs = []string{taken.clientID} },
			"clientId holds a Maskinporten client id that is already on another live system: use a separate Maskinporten client for each system, or take the client off the other system first (AUTH.VLD-00004: One of the client id is already tagged with an existing system)"},
		{"AUTH.VLD-00005", create, func(s *systemregister.System) { s.AllowedRedirectURLs = []string{"http://smart.example/cb"} },
			"allowedRedirectUrls holds a URL that is not an absolute https URL: write each redirect URL as https://host/path (AUTH.VLD-00005: One or more of the redirect urls format is not valid. The valid format is https://xxx.xx)"},
		{"AUTH.VLD-00006", create, func(s *systemregister.System) { s.Rights = append(s.Rights, s.Rights[0]) },
			"rights lists the same resource twice: remove the duplicate resource (AUTH.VLD-00006: One or more duplicate rights found)"},
		{"AUTH.VLD-00007", create, func(s *systemregister.System) { s.AccessPackages = append(s.AccessPackages, s.AccessPackages[0]) },
			"accessPackages lists the same access package twice: remove the duplicate package (AUTH.VLD-00007: One or more duplicate access package(s) found)"},
		{"AUTH.VLD-00008", create, func(s *systemregister.System) {
			s.AccessPackages = []systemregister.AccessPackage{pkg("skattnaering"), pkg("eksplisitt")}
		}, "accessPackages names a package that does not exist, or that can be neither given to a system user nor delegated: check the URN in the access-package catalogue (for example skatt-naering, not skattnaering) (AUTH.VLD-00008: One or all the accesspackage(s) is not found in altinn's access packages or is not delegable; Invalid Urn Details: Not found: urn:altinn:accesspackage:skattnaering | Not possible to delegate: urn:altinn:accesspackage:eksplisitt)"},
		{"AUTH.VLD-00009", create, func(s *systemregister.System) { s.Rights[0].Resource[0].ID = "urn:altinn:app" },
			`rights has a resource reference whose id is not urn:altinn:resource: write each right as {"id":"urn:altinn:resource","value":"<resource id>"} (AUTH.VLD-00009: One or more resource id is in wrong format. The valid format is urn:altinn:resource; Invalid Resource Id Details: urn:altinn:app)`},
		{"AUTH.VLD-00011", replace, func(s *systemregister.System) { s.ClientIDs = []string{v.clientID, v.clientID} },
			"clientId lists the same client id twice: remove the duplicate client id (AUTH.VLD-00011: Request contains duplicate client ids)"},
		{"AUTH.VLD-00012", replaceAt, func(s *systemregister.System) { s.ID = vendorOrg + "_other" },
			"id in the body differs from the id in the URL: send the system's own id; an id cannot be changed (register a new system instead) (AUTH.VLD-00012: The system ID in the request body does not match the system ID in the URL)"},
		{"AUTH.VLD-00013", create, func(s *systemregister.System) { s.ID = vendorOrg + "_smart regnskap" },
			"id contains a space: remove the spaces from the id (for example use _ or -) (AUTH.VLD-00013: System ID cannot have spaces in id (leading, trailing or in between the id))"},
		{"AUTH.VLD-00017", rights, func(s *systemregister.System) {
			s.Rights = []systemregister.Right{systemregister.RightFor("sample-maskinporten-schema")}
		}, "rights names a resource of a type system users cannot use (MaskinportenSchema, Altinn2Service, Consent): remove that resource; use the access package that opens the service, or a resource of another type (AUTH.VLD-00017: One or more resources specified in rights is of resource type which is not delegable.; ResourceIds Not Delegable: sample-maskinporten-schema)"},
		{"AUTH.VLD-00018", packages, func(s *systemregister.System) {
			s.AccessPackages = []systemregister.AccessPackage{pkg("regnskapsforer-med-signeringsrettighet")}
		}, "accessPackages holds a package meant for client (agent) system users, which a visible system cannot have: set visible = false (isVisible: false) for a system of client packages, or remove the package (AUTH.VLD-00018: Access packages meant for system user for client relations can't be used in combination with the flag isVisible: true)"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s := newSystem("new")
			if tt.op != create {
				s = newSystem("existing", taken.clientID)
			}
			tt.edit(&s)
			var err error
			switch tt.op {
			case create:
				_, err = v.reg.Create(ctx, s)
			case replace:
				err = v.reg.Replace(ctx, s)
			case replaceAt:
				err = v.reg.API.Do(ctx, http.MethodPut, systemregister.Path+"/"+vendorOrg+"_existing", s, nil)
			case rights:
				err = v.reg.UpdateRights(ctx, s.ID, s.Rights)
			case packages:
				err = v.reg.UpdateAccessPackages(ctx, s.ID, s.AccessPackages)
			}
			e := wantFieldError(t, err, tt.code)
			if e.Status != 400 || e.Code != "STD-00000" || len(e.Fields) != 1 {
				t.Errorf("HTTP %d %s with %d fields, want 400 STD-00000 with one", e.Status, e.Code, len(e.Fields))
			}
			if !strings.Contains(e.Error(), "\n  • "+tt.want) {
				t.Errorf("Error() =\n%s\nwant the line\n%s", e.Error(), tt.want)
			}
		})
	}
}

// Altinn collects every rule's error in one answer (after VLD-00000).
func TestValidationCollects(t *testing.T) {
	env := startSim(t)
	v := env.newVendor(vendorOrg, false, systemregister.Scope)
	s := newSystem("two problems")
	s.AllowedRedirectURLs = []string{"ftp://x"}
	_, err := v.reg.Create(ctx, s)
	e := wantFieldError(t, err, "AUTH.VLD-00013")
	if !e.HasCode("AUTH.VLD-00005") || len(e.Fields) != 2 || !strings.Contains(e.Error(), "2 problems") {
		t.Errorf("Error() = %s", e.Error())
	}
}
