package sim

import "time"

// Seed organisations. The numbers are valid mod-11 but made up (the 31xxxxxxx
// range is what Tenor, Digdir's synthetic test register, hands out), except
// Digdir and Skatteetaten, which own scopes.
const (
	DemoVendorOrgNo   = "310000000" // the vendor the wizard plays
	DemoVendorOrgName = "Demo Regnskap AS"
	digdirOrgNo       = "991825827"
	skatteetatenNo    = "974761076"
)

// Scope names the simulator's own logic refers to.
const (
	scopeSystemRegisterWrite = "altinn:authentication/systemregister.write"
	scopeRequestRead         = "altinn:authentication/systemuser.request.read"
	scopeRequestWrite        = "altinn:authentication/systemuser.request.write"
	scopeClientDelegRead     = "altinn:clientdelegations.read"
	scopeClientDelegWrite    = "altinn:clientdelegations.write"
	scopeDCRRead             = "idporten:dcr.read"
	scopeDCRWrite            = "idporten:dcr.write"
	scopeDCRModify           = "idporten:dcr.modify"
)

// seedState returns the state a new simulator starts from: one vendor, three
// customers, Digdir, a scope catalogue and the vendor's self-service admin
// client. The admin client has no key: whoever drives the sandbox registers
// its public key through PUT /sim/clients/{id}/jwks, so no private key ever
// has to be shipped or stored by the simulator.
func seedState(now time.Time) *stateData {
	st := &stateData{Version: stateVersion}
	st.fillMaps()
	for _, o := range []org{
		{DemoVendorOrgNo, DemoVendorOrgName, roleVendor},
		{"310007919", "Fjordbris Bakeri AS", roleCustomer},
		{"310055433", "Nordlys Rør AS", roleCustomer},
		{"310095028", "Heimly Barnehage SA", roleCustomer},
		{digdirOrgNo, "Digitaliseringsdirektoratet", roleServiceOwner},
	} {
		st.Orgs[o.OrgNo] = &o
	}
	for _, sc := range seedScopes() {
		st.Scopes[sc.Name] = sc
	}
	admin := &clientReg{
		ClientID:        newUUID(),
		OrgNo:           DemoVendorOrgNo,
		ClientName:      "Demo Regnskap AS - selvbetjening (admin)",
		Description:     "Self-service admin client. Register its public key with PUT /sim/clients/{id}/jwks.",
		Scopes:          []string{scopeDCRRead, scopeDCRWrite, scopeDCRModify},
		IntegrationType: integrationMaskinporten,
		Active:          true,
		Admin:           true,
		Created:         now,
		LastUpdated:     now,
		Keys:            []jwk{},
	}
	st.Clients[admin.ClientID] = admin
	return st
}

func seedScopes() []*scopeDef {
	// Functions, not shared slices: every scope owns its lists.
	mp := func() []string { return []string{integrationMaskinporten} }
	both := func() []string { return []string{"idporten", integrationMaskinporten} }
	vendor := func() []string { return []string{DemoVendorOrgNo} }
	digdirScope := func(name, desc string, types []string) *scopeDef {
		return &scopeDef{Name: name, Description: desc, OwnerOrgNo: digdirOrgNo,
			AllowedIntegrationTypes: types, GrantedOrgs: vendor()}
	}
	sample := func(sc *scopeDef) *scopeDef { sc.Sample = true; return sc }
	return []*scopeDef{
		// Altinn's vendor scopes: Digdir grants them to system vendors on request.
		digdirScope(scopeSystemRegisterWrite, "Altinn system register: manage the vendor's systems", mp()),
		digdirScope(scopeRequestRead, "Altinn: read system user requests", mp()),
		digdirScope(scopeRequestWrite, "Altinn: create system user requests", mp()),
		digdirScope(scopeClientDelegRead, "Altinn: read client delegations", both()),
		digdirScope(scopeClientDelegWrite, "Altinn: manage client delegations", both()),
		// Digdir self-service API (admin client).
		digdirScope(scopeDCRRead, "Self-service API: read client registrations", mp()),
		digdirScope(scopeDCRWrite, "Self-service API: create clients and keys", mp()),
		digdirScope(scopeDCRModify, "Self-service API: modify clients", mp()),

		// Sample service-owner scopes, granted to the demo vendor.
		sample(&scopeDef{Name: "skatteetaten:mvameldingvalidering", Description: "Sample: validate VAT returns",
			OwnerOrgNo: skatteetatenNo, AllowedIntegrationTypes: mp(), GrantedOrgs: vendor()}),
		sample(&scopeDef{Name: "skatteetaten:mvameldinginnsending", Description: "Sample: submit VAT returns",
			OwnerOrgNo: skatteetatenNo, AllowedIntegrationTypes: mp(), GrantedOrgs: vendor()}),
		sample(&scopeDef{Name: "krr:global/kontaktinformasjon.read", Description: "Sample: contact register lookup",
			OwnerOrgNo: digdirOrgNo, AllowedIntegrationTypes: mp(), GrantedOrgs: vendor()}),
		sample(&scopeDef{Name: "altinn:instances.read", Description: "Sample: read Altinn app instances",
			OwnerOrgNo: digdirOrgNo, AllowedIntegrationTypes: both(), AccessibleForAll: true, GrantedOrgs: []string{}}),
		sample(&scopeDef{Name: "altinn:instances.write", Description: "Sample: write Altinn app instances",
			OwnerOrgNo: digdirOrgNo, AllowedIntegrationTypes: both(), AccessibleForAll: true, GrantedOrgs: []string{}}),
		// Not granted to the vendor: a token request for it fails with MP-250.
		sample(&scopeDef{Name: "altinn:serviceowner/instances.read", Description: "Sample: service owners only",
			OwnerOrgNo: digdirOrgNo, AllowedIntegrationTypes: mp(), GrantedOrgs: []string{digdirOrgNo}}),
		// Not for Maskinporten (an end-user scope): a token request fails with MP-201.
		sample(&scopeDef{Name: "altinn:portal/enduser", Description: "Sample: ID-porten end-user scope",
			OwnerOrgNo: digdirOrgNo, AllowedIntegrationTypes: []string{"idporten"}, GrantedOrgs: vendor()}),
	}
}
