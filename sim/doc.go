// Package sim simulates Maskinporten, Digdir's self-service API and the
// Altinn APIs a system vendor uses, closely enough that a client passing
// against it can be expected to pass against the real TEST environment. It
// is the CLI's "sandbox" environment, `systembruker sim serve` for vendors'
// own integration tests, and the backbone of this project's tests.
//
// The package imports nothing else from this module: it re-implements
// org-number checks and JOSE (with the standard library, while clients and
// tests use go-jose), so that it checks the clients' wire format
// independently.
//
// # Layout
//
// One Server holds one state (orgs, scopes, clients, trusted CAs, systems,
// system users), the signing keys and the jti replay memory. Server.Handler
// serves it at a base URL; path prefixes stand in for the real hosts:
//
//	/maskinporten            test.maskinporten.no (token, jwk, metadata)
//	/selfservice/api/v1      api.test.samarbeid.digdir.no/api/v1
//	/altinn                  platform.tt02.altinn.no
//	/altinn-ui               am.ui.tt02.altinn.no
//	/sim                     the control API (below)
//
// Each service registers its routes from its own file (mountMaskinporten,
// mountSelfService, mountAltinnExchange, ...); /altinn-ui has no pages yet.
// Server.Start serves over HTTPS with a certificate from a fresh in-memory
// CA; Instance.Client trusts it.
//
// # Faithful to the real services
//
// Maskinporten: the metadata document member for member as TEST serves it;
// JWT-bearer grants checked in the order Maskinporten is understood to check
// them (form, JWT syntax MP-011, header alg RS256/384/512 and kid or x5c,
// x5c shape MP-123, client MP-100, aud MP-110, key: unknown kid, expired key
// MP-121, x5c without kid on a client with keys, certificate chain MP-120
// and org MP-122, signature MP-124, iat at most 10 s ahead, grant lifetime,
// exp with 10 s skew MP-130, jti replay MP-012, undocumented claims, scopes
// MP-200/201, scope access MP-250, consumer_org MP-251, system user
// authorization_details MP-301/302/303); error bodies
// {"error","error_description":"... (trace_id: <32 hex>)","error_uri":"<issuer>errors/MP-xxx"}
// with 400, or 403 for forbidden; tokens with the claims, claim order and
// header of a real 2025 TEST token, 120 s lifetime, expires_in 119, kid =
// RFC 7638 thumbprint, aud only for a requested resource.
//
// Key rules follow Digdir's self-service API: RSA only, kid, alg RS256/384/512
// and use "sig" required, no private members, at most 5 keys, exp at most a
// year after upload.
//
// Altinn's token exchange (GET /altinn/authentication/api/v1/exchange/
// {maskinporten|id-porten|altinnstudio}): 200 text/plain JWT signed by a
// separate Altinn key published at .../openid/.well-known/openid-configuration,
// 401 with an empty body for a bad token, 400 text for an unknown provider.
//
// # Knobs and guesses for unconfirmed behaviour
//
//   - Config.AcceptAudWithoutSlash (default false): whether the issuer
//     without its trailing slash is accepted as aud.
//   - Config.MaxGrantLifetime (default 120 s, the documented limit; the real
//     service reportedly allows 180 s).
//   - aud must be a single JSON string; an array is refused.
//   - A scope must be registered on the client even when it is
//     accessible_for_all (MP-200 otherwise).
//   - jti is required (Digdir only recommends it); it is remembered per
//     client from the moment the signature and times check out, so a grant
//     that fails a later check cannot be sent again either.
//   - Error texts marked [sim] in grant.go, the codes of MP-012 and the
//     RAR errors (invalid_authorization_details, from RFC 9396), and the
//     status of forbidden (403) and MP-303 (400) are unconfirmed.
//   - authorization_details member names are case-sensitive ("ID", not
//     "id"); an empty externalRef is refused rather than defaulted.
//   - Altinn API delegation (consumer_org) is not simulated: such grants get
//     MP-251. urn:altinn:consent is not simulated.
//   - With a state file the signing keys are kept beside it (keyfile.go),
//     so tokens verify across processes; in memory they live per process.
//     /jwk is cacheable for five minutes only.
//
// # Control API
//
// Under /sim, JSON in and out, errors as {"error": "..."} with 400 or 404.
// Unknown request fields are errors. It is unauthenticated: serve the
// simulator on loopback only. It answers 403 to what a web page could send
// (guard.go): a Host that is not a literal loopback address or localhost
// (DNS rebinding), an Origin other than the simulator's own, or a
// cross-site Sec-Fetch-Site (CSRF).
//
//	GET    /sim/state                 everything: urls, orgs, scopes, clients (public keys only),
//	                                  trusted_cas, systems, system_users
//	POST   /sim/orgs                  {org_no, name, role: vendor|customer|service_owner} -> 201 org
//	POST   /sim/clients               {org_no, client_name, description?, scopes[], keys?: {"keys":[JWK]}, admin?}
//	                                  -> 201 client
//	PUT    /sim/clients/{id}/jwks     {"keys":[JWK]} replaces the key set -> 200 client
//	POST   /sim/trust                 {"pem": CA certificate(s)} -> 201 {"trusted":[{subject, not_after}]}
//	POST   /sim/scopes                {name, description?, owner_org_no?, allowed_integration_types[],
//	                                  accessible_for_all, granted_orgs[]} -> 201 (200 if replaced) scope
//	POST   /sim/systems               {id: "<vendor>_<name>", vendor_org_no, client_ids[]} -> 201 system
//	POST   /sim/systemusers           {system_id, party_org_no, external_ref?, type?: standard|agent}
//	                                  -> 201 {id, system_id, party_org_no, external_ref, type, ...}
//	POST   /sim/faults                {path_prefix, status, count, retry_after_seconds?, close_connection?}
//	                                  or {path_prefix, count, drop_key: true} -> 201
//	DELETE /sim/faults                clears pending faults -> 204
//
// Faults make the next count requests under path_prefix fail with status
// (and Retry-After) or a dropped connection; the control API itself is never
// faulted. A drop_key fault makes the next count key-set writes (POST or PUT
// .../jwks) under path_prefix store and answer the set without its last key.
//
// # State
//
// With Config.StatePath the state is a JSON file (0600, written atomically)
// holding public material only. Several processes may share it: each
// mutation takes an exclusive lock (flock on unix, a lock file elsewhere),
// reloads, changes and saves; reads reload when the file changed. A missing
// file is seeded: the vendor Demo Regnskap AS (310000000) with a
// self-service admin client that has no key yet (register one with PUT
// /sim/clients/{id}/jwks), three customers, Digdir, Altinn's vendor scopes,
// the self-service scopes and some sample service-owner scopes.
package sim
