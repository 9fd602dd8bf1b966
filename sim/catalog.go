package sim

// The simulator's sample of Altinn's access-package catalogue and resource
// registry: enough for the system register to check rights and packages the
// way Altinn does. The package URNs and their flags are public facts (the
// catalogue's seed constants). The resource ids are invented, except ske-krav-og-betalinger, the
// resource in Altinn's own registration example. Names and titles come
// with the catalogue and resource-registry endpoints.

// samplePackage is an access package with the flags the system register
// checks: isAssignable (can be given to a standard system user) and
// isDelegable (can be delegated on, as agent system users need).
type samplePackage struct {
	URN        string
	Assignable bool
	Delegable  bool
}

const packagePrefix = "urn:altinn:accesspackage:"

var samplePackages = func() map[string]samplePackage {
	both := func(code string) samplePackage { return samplePackage{packagePrefix + code, true, true} }
	agentOnly := func(code string) samplePackage { return samplePackage{packagePrefix + code, false, true} }
	m := map[string]samplePackage{}
	for _, p := range []samplePackage{
		both("skattegrunnlag"),
		both("skatt-naering"),
		both("merverdiavgift"),
		both("regnskap-okonomi-rapport"),
		both("a-ordning"),
		both("lonn"),
		both("jordbruk"),
		agentOnly("regnskapsforer-med-signeringsrettighet"),
		agentOnly("regnskapsforer-uten-signeringsrettighet"),
		agentOnly("regnskapsforer-lonn"),
		agentOnly("ansvarlig-revisor"),
		agentOnly("revisormedarbeider"),
		agentOnly("forretningsforer-eiendom"),
		{packagePrefix + "tilgangsstyrer", true, false},
		{packagePrefix + "maskinporten-scopes", true, false},
		// Neither assignable nor delegable: the register refuses it.
		{packagePrefix + "eksplisitt", false, false},
	} {
		m[p.URN] = p
	}
	return m
}()

// Resource types a system's rights may name (altinn-api.md §2.1); the
// others (MaskinportenSchema, Altinn2Service, Consent) give AUTH.VLD-00017.
var delegableResourceTypes = map[string]bool{
	"AltinnApp": true, "Systemresource": true, "Default": true, "CorrespondenceService": true,
	"BrokerService": true, "GenericAccessResource": true, "MigratedApp": true,
}

// sampleResources maps each sample resource id to its resourceType.
var sampleResources = map[string]string{
	"ske-krav-og-betalinger":     "Default",
	"sample-mva-melding":         "Default",
	"sample-a-melding":           "GenericAccessResource",
	"app_demo_aarsregnskap":      "AltinnApp",
	"sample-correspondence":      "CorrespondenceService",
	"sample-maskinporten-schema": "MaskinportenSchema",
	"sample-altinn2-service":     "Altinn2Service",
	"sample-consent":             "Consent",
}
