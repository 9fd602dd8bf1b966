package selfservice

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTokens is the admin TokenSource of the tests: it records the scopes
// each call asks for and hands out tokens the fake can check.
type testTokens struct {
	mu    sync.Mutex
	asked [][]string
	err   error
}

func (s *testTokens) Token(_ context.Context, scopes []string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, slices.Clone(scopes))
	if s.err != nil {
		return "", s.err
	}
	return tokenPrefix + strings.Join(scopes, " "), nil
}

func (s *testTokens) take() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.asked
	s.asked = nil
	return a
}

// harness is an API talking TLS to a fresh fake. Its retries record their
// waits instead of sleeping.
type harness struct {
	fake   *fakeDigdir
	api    *API
	tokens *testTokens
	waits  []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{fake: newFakeDigdir(t), tokens: &testTokens{}}
	a, err := New(h.fake.srv.URL+fakeBase, h.tokens, h.fake.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = func(ctx context.Context, d time.Duration) error {
		h.waits = append(h.waits, d)
		return ctx.Err()
	}
	h.api = a
	return h
}

// testKeys are real RSA key pairs, made once for all tests.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 7)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func publicJWK(i int, kid string) JWK { return NewJWK(&testKeys()[i].PublicKey, kid) }

// legacyKey is key i as Digdir stores a key registered before 2025-05-22:
// no use, an exp, and a member this package does not model.
func legacyKey(i int, kid string, exp int64) map[string]json.RawMessage {
	k := publicJWK(i, kid)
	return map[string]json.RawMessage{
		"kty": raw("RSA"), "e": raw(k.E), "kid": raw(kid), "alg": raw("RS256"), "n": raw(k.N),
		"exp": raw(exp), "key_ops": raw([]string{"verify"}),
	}
}

// currentKey is key i as Digdir stores it now, with use.
func currentKey(i int, kid string, exp int64) map[string]json.RawMessage {
	k := legacyKey(i, kid, exp)
	delete(k, "key_ops")
	k["use"] = raw("sig")
	return k
}

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

func mustSmallKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
