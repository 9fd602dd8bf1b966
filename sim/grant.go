package sim

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Error texts, by how sure we are of them. Clients should match on error
// and MP code, never on text; the simulator's own texts are in the checks,
// marked [sim].

// Seen in captured responses.
const (
	msgClientAuth    = "Invalid assertion. Client authentication failed."
	msgExpiredKey    = msgClientAuth + " Expired key."                             // MP-121
	msgUnknownKid    = msgClientAuth + " Unknown key identifier (kid) for client." // no MP code
	msgNeedsKid      = msgClientAuth + " Invalid JWT. The client requires pre-registered jwk and no key identifier (kid) provided."
	msgTooLong       = msgClientAuth + " JWT has too long lifetime."
	msgInvalidScopes = "Token request contains invalid scopes for client, " // MP-200
)

// Stems from Digdir's troubleshooting page and docs.
const (
	msgMalformed     = "Invalid assertion. Invalid parameter value"                                            // MP-011
	msgUnknownClient = msgClientAuth + " Client not found."                                                    // MP-100
	msgAud           = msgClientAuth + " Invalid JWT claim aud."                                               // MP-110
	msgBadCert       = msgClientAuth + " The JWT is signed with an invalid certificate."                       // MP-120
	msgCertOrg       = "Invalid JWT. Invalid organization number for client. Does not match certificate orgno" // MP-122
	msgX5C           = "Invalid JWT header x5c"                                                                // MP-123
	msgSignature     = msgClientAuth + " Invalid JWT signature."                                               // MP-124
	msgExpired       = msgClientAuth + " JWT is expired."                                                      // MP-130
	msgReplay        = msgClientAuth + " Grant is used before."                                                // MP-012
	msgFuture        = msgClientAuth + " Issue time is in the future."
	msgNotForMP      = "Token request contains scopes not allowed for maskinporten, " // MP-201
	msgRARType       = "Unknown authorization details type"                           // MP-301
	msgRARFields     = "Unknown fields in the authorization details"                  // MP-302
	msgRARValues     = "Invalid authorization details values."                        // MP-303
)

// allowedGrantClaims are the claims Digdir documents for a grant (plus sub
// and nbf, which peers send). Anything else is refused: the 2025 docs say
// undocumented claims give 400 "Invalid assertion".
var allowedGrantClaims = []string{"aud", "iss", "scope", "iat", "exp", "jti", "resource", "pid",
	"consumer_org", "iss_onbehalfof", "authorization_details", "sub", "nbf"}

// grantRequest carries a grant through the checks and collects what the
// token needs.
type grantRequest struct {
	*site
	st  *stateData
	now time.Time
	tok *jws

	alg, kid string
	x5c      []*x509.Certificate
	client   *clientReg
	pub      *rsa.PublicKey
	amr      string    // client_amr of the token
	exp      time.Time // for the replay memory

	scopes   []string
	resource json.RawMessage
	pid      string
	rar      *issuedRAR
}

// checkGrant runs the checks in the order Maskinporten is understood to run
// them (maskinporten.md §9): the first failure is the one reported.
func (h *site) checkGrant(assertion string) (*grantRequest, *mpError) {
	g := &grantRequest{site: h, st: h.store.snapshot(), now: h.now()}
	tok, err := parseJWS(assertion)
	if err != nil {
		return nil, invalidRequest("MP-011", msgMalformed)
	}
	g.tok = tok
	for _, check := range []func() *mpError{
		g.checkHeader,
		g.findClient,
		g.checkAudience,
		g.findKey,
		g.checkSignature,
		g.checkTimes,
		g.checkReplay,
		g.checkClaims,
		g.checkScopes,
		g.checkConsumerOrg,
		g.checkAuthorizationDetails,
	} {
		if e := check(); e != nil {
			return nil, e
		}
	}
	return g, nil
}

func (g *grantRequest) checkHeader() *mpError {
	alg, _, _ := stringMember(g.tok.header, "alg")
	if _, ok := rsaHashes[alg]; !ok {
		return invalidGrant("", msgClientAuth+" Invalid JWT header alg: only RS256, RS384 and RS512 are accepted.") // [sim]
	}
	g.alg = alg
	kid, present, ok := stringMember(g.tok.header, "kid")
	if present && !ok {
		return invalidRequest("MP-011", msgMalformed)
	}
	g.kid = kid
	if raw, present := g.tok.header["x5c"]; present {
		certs, ok := parseX5C(raw)
		if !ok {
			return invalidGrant("MP-123", msgX5C)
		}
		g.x5c = certs
	}
	if g.kid == "" && g.x5c == nil {
		return invalidGrant("", msgClientAuth+" Invalid JWT. The header has neither a key identifier (kid) nor a certificate (x5c).") // [sim]
	}
	return nil
}

// parseX5C decodes an x5c header: a JSON array of standard (not URL-safe)
// base64 DER certificates, leaf first.
func parseX5C(raw json.RawMessage) ([]*x509.Certificate, bool) {
	var chain []string
	if err := json.Unmarshal(raw, &chain); err != nil || len(chain) == 0 {
		return nil, false
	}
	certs := make([]*x509.Certificate, 0, len(chain))
	for _, s := range chain {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, false
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, false
		}
		certs = append(certs, c)
	}
	return certs, true
}

func (g *grantRequest) findClient() *mpError {
	iss, present, ok := stringMember(g.tok.claims, "iss")
	if present && !ok {
		return invalidRequest("MP-011", msgMalformed)
	}
	c := g.st.Clients[iss]
	if c == nil || !c.Active || c.IntegrationType != integrationMaskinporten {
		return invalidGrant("MP-100", msgUnknownClient)
	}
	g.client = c
	return nil
}

func (g *grantRequest) checkAudience() *mpError {
	// Only a single string: Digdir's docs say "only a single value", so an
	// array (even of one) is refused.
	aud, _, ok := stringMember(g.tok.claims, "aud")
	if ok && (aud == g.urls.Issuer || g.cfg.AcceptAudWithoutSlash && aud == strings.TrimSuffix(g.urls.Issuer, "/")) {
		return nil
	}
	return invalidGrant("MP-110", msgAud)
}

// findKey picks the verification key: the registered JWK named by kid, or
// else the x5c certificate, which must chain to a trusted CA and belong to
// the client's org. kid wins when both are sent (a real server answers
// "Unknown key identifier" when a kid was sent for an unregistered cert).
func (g *grantRequest) findKey() *mpError {
	if g.kid != "" {
		k, ok := g.client.key(g.kid)
		if !ok {
			return invalidGrant("", msgUnknownKid)
		}
		if k.expired(g.now) {
			return invalidGrant("MP-121", msgExpiredKey)
		}
		pub, err := k.publicKey()
		if err != nil {
			return invalidGrant("MP-124", msgSignature)
		}
		g.pub, g.amr = pub, "private_key_jwt"
		return nil
	}
	if len(g.client.Keys) > 0 {
		return invalidGrant("", msgNeedsKid)
	}
	leaf := g.x5c[0]
	inter := x509.NewCertPool()
	for _, c := range g.x5c[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         g.st.trustPool(),
		Intermediates: inter,
		CurrentTime:   g.now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	pub, isRSA := leaf.PublicKey.(*rsa.PublicKey)
	if err != nil || !isRSA {
		return invalidGrant("MP-120", msgBadCert)
	}
	if certOrgNo(leaf) != g.client.OrgNo {
		return invalidGrant("MP-122", msgCertOrg)
	}
	g.pub, g.amr = pub, "virksomhetssertifikat"
	return nil
}

// trustPool returns the trusted roots for x5c grants. An empty pool trusts
// nothing (a nil one would mean the system roots).
func (st *stateData) trustPool() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, ca := range st.TrustedCAs {
		pool.AppendCertsFromPEM([]byte(ca.PEM))
	}
	return pool
}

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// certOrgNo returns the org number of a Norwegian business certificate:
// subject serialNumber on Buypass and Commfides certificates, or
// organizationIdentifier "NTRNO-<orgno>" on SEID 2.0 certificates.
func certOrgNo(c *x509.Certificate) string {
	for _, n := range c.Subject.Names {
		if s, ok := n.Value.(string); ok && n.Type.Equal(oidOrganizationIdentifier) {
			if orgNo, ok := strings.CutPrefix(s, "NTRNO-"); ok {
				return orgNo
			}
		}
	}
	return c.Subject.SerialNumber
}

func (g *grantRequest) checkSignature() *mpError {
	if verifyRSA(g.alg, g.pub, g.tok.signingInput, g.tok.signature) != nil {
		return invalidGrant("MP-124", msgSignature)
	}
	return nil
}

func (g *grantRequest) checkTimes() *mpError {
	iat, ok := numericDate(g.tok.claims, "iat")
	if !ok {
		return invalidGrant("", msgClientAuth+" Missing or invalid claim iat.") // [sim]
	}
	exp, ok := numericDate(g.tok.claims, "exp")
	if !ok {
		return invalidGrant("", msgClientAuth+" Missing or invalid claim exp.") // [sim]
	}
	g.exp = exp
	switch {
	case iat.After(g.now.Add(clockSkew)):
		return invalidGrant("", msgFuture)
	case exp.Sub(iat) > g.cfg.MaxGrantLifetime:
		return invalidGrant("", msgTooLong)
	case g.now.Add(-clockSkew).After(exp):
		return invalidGrant("MP-130", msgExpired)
	}
	if _, present := g.tok.claims["nbf"]; present {
		nbf, ok := numericDate(g.tok.claims, "nbf")
		if !ok || nbf.After(g.now.Add(clockSkew)) {
			return invalidGrant("", msgClientAuth+" JWT is not valid yet (nbf).") // [sim]
		}
	}
	return nil
}

// numericDate reads an RFC 7519 NumericDate (seconds, possibly fractional).
func numericDate(claims map[string]json.RawMessage, name string) (time.Time, bool) {
	raw, ok := claims[name]
	if !ok {
		return time.Time{}, false
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

func (g *grantRequest) checkReplay() *mpError {
	// Digdir calls jti "recommended"; the simulator requires it, because a
	// client without it cannot be told apart from a replay.
	jti, _, ok := stringMember(g.tok.claims, "jti")
	if !ok || jti == "" {
		return invalidGrant("", msgClientAuth+" Missing claim jti: every grant needs a unique jti.") // [sim]
	}
	if !g.jtis.use(g.client.ClientID, jti, g.exp, g.now) {
		return invalidGrant("MP-012", msgReplay)
	}
	return nil
}

// checkClaims refuses undocumented claims and checks the types of the
// optional ones.
func (g *grantRequest) checkClaims() *mpError {
	var unknown []string
	for name := range g.tok.claims {
		if !slices.Contains(allowedGrantClaims, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return invalidRequest("", "Invalid assertion. Unknown claims in the JWT: "+strings.Join(unknown, ", ")) // [doc] stem
	}
	if raw, ok := g.tok.claims["resource"]; ok {
		if !validResource(raw) {
			return invalidRequest("MP-011", msgMalformed)
		}
		var buf bytes.Buffer
		json.Compact(&buf, raw)
		g.resource = buf.Bytes()
	}
	pid, present, ok := stringMember(g.tok.claims, "pid")
	if present && (!ok || pid == "") {
		return invalidRequest("MP-011", msgMalformed)
	}
	g.pid = pid
	return nil
}

// validResource accepts a resource (RFC 8707) as a string or an array of
// strings: the docs say array, but Altinn, KS, NAV and Entur send a string.
func validResource(raw json.RawMessage) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one != ""
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil || len(many) == 0 {
		return false
	}
	return !slices.Contains(many, "")
}

func (g *grantRequest) checkScopes() *mpError {
	scope, present, ok := stringMember(g.tok.claims, "scope")
	if present && !ok {
		return invalidRequest("MP-011", msgMalformed)
	}
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(g.scopes, s) {
			g.scopes = append(g.scopes, s)
		}
	}
	if len(g.scopes) == 0 {
		return &mpError{status: http.StatusBadRequest, err: "invalid_scope", desc: "Token request contains no scopes"} // [sim]
	}
	var notOnClient, notForMP []string
	for _, s := range g.scopes {
		def := g.st.Scopes[s]
		switch {
		case def == nil || !slices.Contains(g.client.Scopes, s):
			notOnClient = append(notOnClient, s)
		case !def.allowsMaskinporten():
			notForMP = append(notForMP, s)
		}
	}
	if len(notOnClient) > 0 {
		return &mpError{status: http.StatusBadRequest, err: "invalid_scope", code: "MP-200", desc: msgInvalidScopes + strings.Join(notOnClient, ", ")}
	}
	if len(notForMP) > 0 {
		return &mpError{status: http.StatusBadRequest, err: "invalid_scope", code: "MP-201", desc: msgNotForMP + strings.Join(notForMP, ", ")}
	}
	for _, s := range g.scopes {
		if !g.st.Scopes[s].accessibleTo(g.client.OrgNo) {
			return forbidden("MP-250", "Consumer has not been granted access to the scope "+s+".") // [real]
		}
	}
	return nil
}

// forbidden is HTTP 403: Digdir files these errors under "Forbidden"
// (the status is unconfirmed).
func forbidden(code, desc string) *mpError {
	return &mpError{status: http.StatusForbidden, err: "forbidden", code: code, desc: desc}
}

// checkConsumerOrg handles Altinn API delegation (a supplier acting for a
// customer). The simulator has no delegations, so every such request is
// refused the way Maskinporten refuses a missing delegation.
func (g *grantRequest) checkConsumerOrg() *mpError {
	org, present, ok := stringMember(g.tok.claims, "consumer_org")
	switch {
	case !present:
		return nil
	case !ok || !validOrgNo(org):
		return invalidRequest("MP-011", msgMalformed)
	case org == g.client.OrgNo:
		return invalidRequest("", "Validation of JWT claim failed: The combination consumer_org in claim and delegation scope on client is invalid") // [doc]
	}
	return forbidden("MP-251", fmt.Sprintf("Consumer %s has not delegated access to the scope %s to supplier %s.", org, g.scopes[0], g.client.OrgNo)) // [real]
}

// RFC 9396 names this error code; what Maskinporten sends for MP-301/302 is
// unconfirmed.
const errInvalidRAR = "invalid_authorization_details"

func invalidRAR(code, desc string) *mpError {
	return &mpError{status: http.StatusBadRequest, err: errInvalidRAR, code: code, desc: desc}
}

func customerConfig(reason string) *mpError {
	// HTTP status unconfirmed; 400 like the other token errors.
	return &mpError{status: http.StatusBadRequest, err: "invalid_altinn_customer_configuration", code: "MP-303",
		desc: msgRARValues + " " + reason}
}

// checkAuthorizationDetails handles system user grants: one
// urn:altinn:systemuser element whose party has approved a system user for
// the system this client belongs to.
func (g *grantRequest) checkAuthorizationDetails() *mpError {
	raw, present := g.tok.claims["authorization_details"]
	if !present {
		return nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
		return invalidRequest("MP-011", msgMalformed)
	}
	for _, item := range items {
		if item == nil {
			return invalidRequest("MP-011", msgMalformed)
		}
		typ, _, _ := stringMember(item, "type")
		switch typ {
		case rarSystemUser:
		case rarConsent:
			return invalidRAR("", "Authorization details type "+rarConsent+" is not supported by the simulator") // [sim]
		default:
			return invalidRAR("MP-301", msgRARType)
		}
	}
	if len(items) > 1 {
		return invalidRAR("", "Only one authorization details element of type "+rarSystemUser+" is allowed per grant") // [sim]
	}
	item := items[0]
	if extra := unknownMembers(item, "type", "systemuser_org", "externalRef"); extra != "" {
		return invalidRAR("MP-302", msgRARFields+": "+extra)
	}
	var party map[string]json.RawMessage
	if json.Unmarshal(item["systemuser_org"], &party) != nil || party == nil {
		return customerConfig("systemuser_org is missing; it must be {\"authority\":\"" + iso6523Authority + "\",\"ID\":\"0192:<orgno>\"}.")
	}
	if extra := unknownMembers(party, "authority", "ID"); extra != "" {
		return invalidRAR("MP-302", msgRARFields+": systemuser_org."+extra)
	}
	if auth, _, _ := stringMember(party, "authority"); auth != iso6523Authority {
		return customerConfig("systemuser_org.authority must be " + iso6523Authority + ".")
	}
	id, _, _ := stringMember(party, "ID")
	orgNo, ok := parsePrefixedOrgNo(id)
	if !ok {
		return customerConfig("systemuser_org.ID must be 0192: followed by a valid organisation number, got " + fmt.Sprintf("%q", id) + ".")
	}
	ref := orgNo // Altinn's default
	if s, present, ok := stringMember(item, "externalRef"); present {
		if !ok || s == "" {
			return customerConfig("externalRef is empty; omit it to use the default (the party's organisation number).")
		}
		ref = s
	}
	return g.findSystemUser(orgNo, ref)
}

// findSystemUser matches like Altinn's byExternalId lookup that Maskinporten
// calls: the client must be on a live system of its own org, and the party
// must have a live system user for that system with this externalRef. The
// description names which of the three went wrong.
func (g *grantRequest) findSystemUser(orgNo, ref string) *mpError {
	sys := g.st.systemForClient(g.client.ClientID)
	if sys == nil || sys.VendorOrgNo != g.client.OrgNo {
		return customerConfig(fmt.Sprintf("Client %s is not in the clientId list of any system in Altinn's system register: add it to the system.", g.client.ClientID))
	}
	users := g.st.systemUsersFor(sys.ID, orgNo)
	for _, su := range users {
		if su.ExternalRef == ref {
			g.rar = &issuedRAR{Type: rarSystemUser, SystemUserOrg: orgRefFor(orgNo), SystemUserID: []string{su.ID}, SystemID: sys.ID}
			return nil
		}
	}
	if len(users) > 0 {
		return customerConfig(fmt.Sprintf("Organisation %s has a system user for system %s, but not with externalRef %q: send the externalRef the system user request was created with.", orgNo, sys.ID, ref))
	}
	return customerConfig(fmt.Sprintf("Organisation %s has no system user for system %s: the request may not be approved yet, or it was deleted; for an agent system user, systemuser_org must be the facilitator, not the client.", orgNo, sys.ID))
}

// unknownMembers lists (sorted, comma-separated) the members of m not named
// in allowed. Names are case-sensitive, as in Maskinporten's JSON mapping.
func unknownMembers(m map[string]json.RawMessage, allowed ...string) string {
	var extra []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return strings.Join(extra, ", ")
}
