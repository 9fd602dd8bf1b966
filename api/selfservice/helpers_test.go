package selfservice_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/api/selfservice"
	"github.com/systembruker/systembruker/internal/simtest"
	"github.com/systembruker/systembruker/sim"
)

// The tests talk HTTPS to the simulator's self-service API, which checks
// every request with its own code: the admin token (fetched for real from
// the simulator's Maskinporten), the scope it carries, the client's owner,
// and Digdir's rules for clients and key sets.

const (
	vendorOrg   = sim.DemoVendorOrgNo
	scopeVAT    = "skatteetaten:mvameldingvalidering" // seeded, granted to the vendor
	scopeVATOut = "skatteetaten:mvameldinginnsending" // seeded, granted to the vendor
	skatteetat  = "974761076"                         // owner of the VAT scopes
	year        = 365 * 24 * time.Hour                // Digdir's key lifetime
	adminKID    = "admin-test"                        // the admin client's key in the tests
)

// testKeys are real RSA key pairs, made once for all tests: key i of a
// test is testKeys()[i]; the last one is the admin client's.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 8)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func adminKey() *rsa.PrivateKey { return testKeys()[7] }

func publicJWK(i int, kid string) selfservice.JWK {
	return selfservice.NewJWK(&testKeys()[i].PublicKey, kid)
}

// harness is an API talking to a fresh simulator as the demo vendor's
// admin client. Its retries record their waits instead of sleeping.
type harness struct {
	t      *testing.T
	clock  *simtest.Clock
	inst   *sim.Instance
	urls   sim.URLs
	rec    *recorder
	tokens *adminTokens
	api    *selfservice.API
	waits  []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c := simtest.NewClock(time.Now().Truncate(time.Second))
	inst := simtest.Start(t, sim.Config{Now: c.Now})
	h := &harness{t: t, clock: c, inst: inst, urls: inst.URLs}
	base, err := url.Parse(inst.URLs.SelfService)
	if err != nil {
		t.Fatal(err)
	}
	h.rec = &recorder{next: inst.Client().Transport, prefix: base.Path}

	// The sandbox bootstrap: register a key on the seeded admin client.
	admin := h.adminClientID()
	h.control("PUT", "/clients/"+admin+"/jwks", map[string]any{"keys": []selfservice.JWK{
		selfservice.NewJWK(&adminKey().PublicKey, adminKID)}}, http.StatusOK)
	h.tokens = &adminTokens{
		mp:     h.tokenClient(),
		grant:  maskinporten.Grant{Audience: inst.URLs.Issuer, ClientID: admin},
		signer: maskinporten.Signer{Key: adminKey(), KID: adminKID},
	}
	h.api = h.newAPI(&http.Client{Transport: h.rec}, h.tokens)
	return h
}

func (h *harness) newAPI(hc *http.Client, tokens selfservice.TokenSource) *selfservice.API {
	h.t.Helper()
	a, err := selfservice.New(h.urls.SelfService, tokens, hc)
	if err != nil {
		h.t.Fatal(err)
	}
	selfservice.SetSleep(a, func(ctx context.Context, d time.Duration) error {
		h.waits = append(h.waits, d)
		return ctx.Err()
	})
	return a
}

func (h *harness) tokenClient() *maskinporten.Client {
	return &maskinporten.Client{HTTP: h.inst.Client(), BaseURL: h.urls.Maskinporten, Now: h.clock.Now}
}

// clientToken asks the simulator's Maskinporten for a token of clientID,
// signed with test key i registered as kid.
func (h *harness) clientToken(clientID string, i int, kid, scope string) (*maskinporten.Token, error) {
	return h.tokenClient().Token(h.t.Context(),
		maskinporten.Grant{Audience: h.urls.Issuer, ClientID: clientID, Scopes: []string{scope}},
		maskinporten.Signer{Key: testKeys()[i], KID: kid})
}

// control calls the simulator's control API, failing unless the status is
// want, and decodes its answer into out, if given.
func (h *harness) control(method, path string, body any, want int, out ...any) {
	h.t.Helper()
	var dst any
	if len(out) > 0 {
		dst = out[0]
	}
	simtest.Control(h.t, h.inst, method, path, body, want, dst)
}

func (h *harness) adminClientID() string {
	h.t.Helper()
	var st struct {
		Clients []struct {
			ClientID string `json:"client_id"`
			OrgNo    string `json:"client_orgno"`
			Admin    bool   `json:"admin"`
		} `json:"clients"`
	}
	h.control("GET", "/state", nil, http.StatusOK, &st)
	for _, c := range st.Clients {
		if c.Admin && c.OrgNo == vendorOrg {
			return c.ClientID
		}
	}
	h.t.Fatal("the simulator has no admin client for the demo vendor")
	return ""
}

// addScope registers a scope in the simulator's catalogue.
func (h *harness) addScope(name string, types []string, openToAll bool, granted ...string) {
	h.t.Helper()
	h.control("POST", "/scopes", map[string]any{"name": name, "owner_org_no": skatteetat,
		"allowed_integration_types": types, "accessible_for_all": openToAll, "granted_orgs": granted}, http.StatusCreated)
}

// fault makes the next count requests under the self-service path fail.
func (h *harness) fault(path string, f map[string]any) {
	h.t.Helper()
	base, _ := url.Parse(h.urls.SelfService)
	f["path_prefix"] = base.Path + path
	h.control("POST", "/faults", f, http.StatusCreated)
}

// seedLegacyKeys stores keys as Digdir holds keys registered before
// 2025-05-22: use may be missing, which the API itself now refuses.
func (h *harness) seedLegacyKeys(clientID string, keys ...map[string]json.RawMessage) {
	h.t.Helper()
	h.control("PUT", "/clients/"+clientID+"/legacy-jwks", map[string]any{"keys": keys}, http.StatusOK)
}

// newClient creates a client through the API.
func (h *harness) newClient(name string, scopes ...string) selfservice.Client {
	h.t.Helper()
	c, err := h.api.CreateClient(h.t.Context(), selfservice.NewMaskinportenClient(name, "test", scopes))
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// clientsNamed counts the vendor's active clients called name.
func (h *harness) clientsNamed(name string) int {
	h.t.Helper()
	cs, err := h.api.ListClients(h.t.Context())
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if c.ClientName == name {
			n++
		}
	}
	return n
}

// storedKeys is the client's key set as the simulator sends it, member by
// member.
func (h *harness) storedKeys(clientID string) []map[string]json.RawMessage {
	h.t.Helper()
	if _, err := h.api.GetJWKS(h.t.Context(), clientID); err != nil {
		h.t.Fatal(err)
	}
	return h.keysIn(h.rec.lastResponse("GET /clients/" + clientID + "/jwks"))
}

func (h *harness) keysIn(body string) []map[string]json.RawMessage {
	h.t.Helper()
	var s struct{ Keys []map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		h.t.Fatalf("not a key set: %s", body)
	}
	return s.Keys
}

// adminTokens is the API's TokenSource: real Maskinporten tokens of the
// admin client, for the scopes each call asks for (recorded).
type adminTokens struct {
	mp     *maskinporten.Client
	grant  maskinporten.Grant
	signer maskinporten.Signer

	mu     sync.Mutex
	asked  [][]string
	issued []string // every token handed out, to check that none leaks
	err    error    // when set, the source fails
	force  []string // when set, asked for instead: a misconfigured source
}

func (s *adminTokens) Token(ctx context.Context, scopes []string) (string, error) {
	s.mu.Lock()
	s.asked = append(s.asked, slices.Clone(scopes))
	g, err := s.grant, s.err
	g.Scopes = scopes
	if s.force != nil {
		g.Scopes = s.force
	}
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	tok, err := s.mp.Token(ctx, g, s.signer)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = append(s.issued, tok.AccessToken)
	return tok.AccessToken, nil
}

func (s *adminTokens) take() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.asked
	s.asked = nil
	return a
}

// leaks reports whether any issued token is in text.
func (s *adminTokens) leaks(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.issued, func(tok string) bool { return strings.Contains(text, tok) })
}

// fixedToken is a TokenSource that always gives the same token.
type fixedToken string

func (f fixedToken) Token(context.Context, []string) (string, error) { return string(f), nil }

// recorder is the API's transport to the simulator. It notes every
// request the API makes, with its body and the answer's, so that tests can
// see what went over the wire.
type recorder struct {
	next   http.RoundTripper
	prefix string // the self-service base's path, left out of the notes

	mu    sync.Mutex
	calls []call
}

type call struct {
	line     string // "METHOD /path?query", relative to the API root
	reqBody  string
	respBody string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	c := call{line: req.Method + " " + strings.TrimPrefix(req.URL.Path, r.prefix), reqBody: string(body)}
	if req.URL.RawQuery != "" {
		c.line += "?" + req.URL.RawQuery
	}
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		var rb []byte
		rb, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		c.respBody = string(rb)
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// requests returns the request lines so far.
func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := make([]string, len(r.calls))
	for i, c := range r.calls {
		lines[i] = c.line
	}
	return lines
}

// find returns the last call with this line.
func (r *recorder) find(line string) call {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.calls) - 1; i >= 0; i-- {
		if r.calls[i].line == line {
			return r.calls[i]
		}
	}
	panic("no request " + line)
}

func (r *recorder) lastBody(line string) string     { return r.find(line).reqBody }
func (r *recorder) lastResponse(line string) string { return r.find(line).respBody }

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("not JSON: %s", want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// countOf counts request lines with this prefix.
func countOf(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// legacyKey is key i as Digdir stores a key registered before 2025-05-22:
// no use, and an exp.
func legacyKey(i int, kid string, exp int64) map[string]json.RawMessage {
	k := publicJWK(i, kid)
	return map[string]json.RawMessage{
		"kty": raw("RSA"), "e": raw(k.E), "kid": raw(kid), "alg": raw("RS256"), "n": raw(k.N), "exp": raw(exp),
	}
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func mustSmallKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
