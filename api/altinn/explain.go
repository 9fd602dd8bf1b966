package altinn

import (
	"fmt"
	"strings"
)

// The tables below put Altinn's codes (altinn-authentication's Problem.cs
// and ValidationErrors.cs) into words: what is wrong and how to fix it. The
// exact titles stay in the message too, so that a search for them finds
// Altinn's docs.

type explanation struct{ what, fix string }

// validations explains the AUTH.VLD codes, keyed by code; field names the
// JSON field in the words a vendor knows from the request body.
var validations = map[string]struct {
	field string
	explanation
}{
	"AUTH.VLD-00000": {"vendor.ID", explanation{"is not an ISO 6523 organisation id", `send "0192:" followed by your 9-digit organisation number`}},
	"AUTH.VLD-00001": {"id", explanation{"does not start with the vendor's organisation number and an underscore", "name the system {orgno}_{name}, with your own organisation number"}},
	"AUTH.VLD-00002": {"id", explanation{"is taken: system ids stay taken for ever, also after a delete", "choose another id (change the part after the underscore)"}},
	"AUTH.VLD-00003": {"rights", explanation{"names a resource that does not exist in this environment's resource registry", "check the resource id in this environment (TT02 and prod differ; apps are app_{org}_{app})"}},
	"AUTH.VLD-00004": {"clientId", explanation{"holds a Maskinporten client id that is already on another live system", "use a separate Maskinporten client for each system, or take the client off the other system first"}},
	"AUTH.VLD-00005": {"allowedRedirectUrls", explanation{"holds a URL that is not an absolute https URL", "write each redirect URL as https://host/path"}},
	"AUTH.VLD-00006": {"rights", explanation{"lists the same resource twice", "remove the duplicate resource"}},
	"AUTH.VLD-00007": {"accessPackages", explanation{"lists the same access package twice", "remove the duplicate package"}},
	"AUTH.VLD-00008": {"accessPackages", explanation{"names a package that does not exist, or that can be neither given to a system user nor delegated", "check the URN in the access-package catalogue (for example skatt-naering, not skattnaering)"}},
	"AUTH.VLD-00009": {"rights", explanation{"has a resource reference whose id is not urn:altinn:resource", `write each right as {"id":"urn:altinn:resource","value":"<resource id>"}`}},
	"AUTH.VLD-00011": {"clientId", explanation{"lists the same client id twice", "remove the duplicate client id"}},
	"AUTH.VLD-00012": {"id", explanation{"in the body differs from the id in the URL", "send the system's own id; an id cannot be changed (register a new system instead)"}},
	"AUTH.VLD-00013": {"id", explanation{"contains a space", "remove the spaces from the id (for example use _ or -)"}},
	"AUTH.VLD-00014": {"agent", explanation{"is missing or invalid, or names no system user (Altinn uses this code for both)", "pass the agent system user's id"}},
	"AUTH.VLD-00015": {"agent", explanation{"is not a system user of type agent", "pass the id of an agent system user"}},
	"AUTH.VLD-00016": {"client", explanation{"is missing or invalid", "pass the client's party id"}},
	"AUTH.VLD-00017": {"rights", explanation{"names a resource of a type system users cannot use (MaskinportenSchema, Altinn2Service, Consent)", "remove that resource; use the access package that opens the service, or a resource of another type"}},
	"AUTH.VLD-00018": {"accessPackages", explanation{"holds a package meant for client (agent) system users, which a visible system cannot have", "set visible = false (isVisible: false) for a system of client packages, or remove the package"}},
}

// problems explains the AUTH business codes a vendor meets.
var problems = map[string]explanation{
	"AUTH-00000": {"Altinn cannot find the customer's organisation number in the Central Coordinating Register.", "check the customer's organisation number"},
	"AUTH-00001": {"A right on the request is not on the system, or the request has neither rights nor access packages.", "request only rights and packages the system has in the system register"},
	"AUTH-00004": {"The customer already has a system user for this system.", "treat it as already connected: look the system user up instead of requesting a new one"},
	"AUTH-00010": {"There is no such request (it may have been deleted).", "check the request id, or create a new request"},
	"AUTH-00011": {"There is no such system, or it belongs to another organisation.", "check the system id (`systembruker system list`)"},
	"AUTH-00015": {"There is no such system user, or it is an agent system user (change requests are for standard ones).", "check the system user id"},
	"AUTH-00021": {"The redirect URL is not among the system's allowed redirect URLs.", "add the URL to redirect_urls in the system file and apply it, or send one that is there"},
	"AUTH-00023": {"The token has no consumer claim, so Altinn cannot tell which vendor is calling.", "use a Maskinporten token of your organisation's client"},
	"AUTH-00026": {"The system has no allowed redirect URLs.", "add redirect_urls to the system file and apply it, or leave out the redirect URL"},
	"AUTH-00058": {"An agent system user needs at least one access package.", "request at least one of the system's access packages"},
	"AUTH-00059": {"A system user needs at least one access package or right.", "request at least one of the system's packages or rights"},
	"AUTH-00063": {"A requested access package is not on the system.", "add the package to the system first, or leave it out of the request"},
	"AUTH-00064": {"A package cannot be given to a standard system user: it is for client relations, or cannot be delegated.", "use an agent request for client packages, or leave the package out"},
	"AUTH-00065": {"A package cannot be delegated to clients.", "use a standard request for this package, or leave it out"},
	"AUTH-00079": {"The client is not among the facilitator's clients for these packages.", "check the client's organisation number and that it has given you the packages"},
	"AUTH-00080": {"The client has not given the facilitator every package the agent system user has.", "ask the client to delegate the missing packages to you"},
}

func init() {
	// The approval-time delegation checks: the approving person cannot
	// delegate what the system asks for.
	for _, c := range []string{"16", "18", "19", "20", "68", "69", "70", "71"} {
		problems["AUTH-000"+c] = explanation{
			"The person approving cannot delegate what the system asks for (role, package, access list, delegability or authentication level).",
			"check that every resource is delegable and that the approver has the packages; see the reference on failed approvals",
		}
	}
}

// fieldOfPath names the request field behind an Altinn error path.
var fieldOfPath = map[string]string{
	"/registersystemrequest/systemid":            "id",
	"/registersystemrequest/vendor/id":           "vendor.ID",
	"/registersystemrequest/rights/resource":     "rights",
	"/registersystemrequest/clientid":            "clientId",
	"/registersystemrequest/allowedredirecturls": "allowedRedirectUrls",
	"/registersystemrequest/accesspackages":      "accessPackages",
}

// Field is the request field the item is about, in the request body's
// words ("id", "rights", …), or its path when unknown.
func (f FieldError) Field() string {
	if v, ok := validations[f.Code]; ok {
		return v.field
	}
	for _, p := range f.Paths {
		if n, ok := fieldOfPath[strings.ToLower(p)]; ok {
			return n
		}
	}
	if len(f.Paths) > 0 {
		return strings.TrimPrefix(f.Paths[0], "$.")
	}
	return "request"
}

// Explain says in words which field is wrong, what is wrong and how to fix
// it, followed by Altinn's own code, title and details.
func (f FieldError) Explain() string {
	v, known := validations[f.Code]
	var b strings.Builder
	b.WriteString(f.Field())
	if known {
		fmt.Fprintf(&b, " %s: %s", v.what, v.fix)
	}
	b.WriteString(" (")
	if f.Code != "" {
		b.WriteString(f.Code + ": ")
	}
	b.WriteString(strings.TrimSpace(f.Title))
	for _, k := range sortedKeys(f.Details) {
		fmt.Fprintf(&b, "; %s: %s", k, f.Details[k])
	}
	b.WriteString(")")
	return b.String()
}
