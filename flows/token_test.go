package flows

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/maskinporten"
	"github.com/systembruker/systembruker/config"
	"github.com/systembruker/systembruker/internal/keychaintest"
	"github.com/systembruker/systembruker/keystore"
	"github.com/systembruker/systembruker/sim"
)

const (
	tokenScope    = "altinn:authentication/systemregister.write"
	tokenScopeOff = "krr:global/kontaktinformasjon.read" // granted to the vendor, not on the client
)

func tokenDirs(t *testing.T) config.Dirs {
	base := t.TempDir()
	return config.Dirs{
		Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data"),
		State: filepath.Join(base, "state"), Cache: filepath.Join(base, "cache"),
	}
}

// openTokenRuntime opens a sandbox runtime on dirs whose keystore uses
// service, and closes it at the end of the test.
func openTokenRuntime(t *testing.T, dirs config.Dirs, service string) *Runtime {
	t.Helper()
	rt, err := Open(Options{Dirs: dirs, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keystore.Open(keystore.Options{Dir: rt.Keys.Dir(), Service: service})
	if err != nil {
		t.Fatal(err)
	}
	rt.Keys = ks
	t.Cleanup(func() { rt.Close() })
	return rt
}

func TestTokenRequestDefaults(t *testing.T) {
	rt := openTokenRuntime(t, tokenDirs(t), "unused")
	rt.Facts.ClientID, rt.Facts.KeyName, rt.Facts.Scopes = "client-1", "key-1", []string{"a:b"}

	got, err := rt.completeTokenRequest(TokenRequest{SystemUserOrg: "0192:310007919", Alg: "rs384"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientID != "client-1" || got.KeyName != "key-1" || !slices.Equal(got.Scopes, []string{"a:b"}) ||
		got.SystemUserOrg != "310007919" || got.Alg != "RS384" {
		t.Errorf("defaults: %+v", got)
	}
	got, err = rt.completeTokenRequest(TokenRequest{ClientID: "c2", KeyName: "k2", Scopes: []string{"x:y"}})
	if err != nil || got.ClientID != "c2" || got.KeyName != "k2" || !slices.Equal(got.Scopes, []string{"x:y"}) {
		t.Errorf("explicit values: %+v, %v", got, err)
	}
}

func TestTokenInputErrors(t *testing.T) {
	full := func(r TokenRequest) TokenRequest {
		if r.ClientID == "" {
			r.ClientID = "client-1"
		}
		if r.KeyName == "" {
			r.KeyName = "key-1"
		}
		if r.Scopes == nil {
			r.Scopes = []string{"a:b"}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		req  TokenRequest
		want string
	}{
		{"no scope", TokenRequest{ClientID: "c", KeyName: "k"}, "no scope: pass --scope"},
		{"no client", TokenRequest{Scopes: []string{"a:b"}}, "pass --client-id, or create a client with `systembruker client create`"},
		{"no key", TokenRequest{Scopes: []string{"a:b"}, ClientID: "c"}, "pass --key NAME, or generate one with `systembruker keys generate`"},
		{"bad org", full(TokenRequest{SystemUserOrg: "310007918"}), "--systemuser-org: organisation number 310007918 has a wrong check digit"},
		{"short org", full(TokenRequest{SystemUserOrg: "3100079"}), "must be exactly 9 digits"},
		{"externalRef alone", full(TokenRequest{ExternalRef: "r"}), "--external-ref needs --systemuser-org"},
		{"bad alg", full(TokenRequest{Alg: "ES256"}), `--alg "ES256"`},
		{"unknown key", full(TokenRequest{}), "no key named key-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := openTokenRuntime(t, tokenDirs(t), "unused")
			_, err := rt.Token(context.Background(), tc.req)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (%T), want an InputError with %q", err, err, tc.want)
			}
		})
	}
}

// sandboxPost calls the embedded simulator's control API.
func sandboxPost(t *testing.T, rt *Runtime, path string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := rt.HTTP().Post(rt.SandboxControlURL()+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /sim%s: HTTP %d: %s", path, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatal(err)
	}
}

// TestTokenEmbeddedSandbox drives Token and Inspect through the embedded
// sandbox, over its TLS listener, with a key in the real keychain.
func TestTokenEmbeddedSandbox(t *testing.T) {
	keychaintest.Require(t)
	ctx := context.Background()
	dirs, service := tokenDirs(t), "systembruker-test-"+rand.Text()
	rt := openTokenRuntime(t, dirs, service)
	t.Cleanup(func() {
		if err := rt.Keys.Delete("main"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := rt.Connect(); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.GenerateKey("main", 2048); err != nil {
		t.Fatal(err)
	}
	jwks, err := rt.PublicJWKS("main")
	if err != nil {
		t.Fatal(err)
	}
	var client struct {
		ClientID string `json:"client_id"`
	}
	sandboxPost(t, rt, "/clients", map[string]any{
		"org_no": sim.DemoVendorOrgNo, "client_name": "token test", "scopes": []string{tokenScope}, "keys": jwks,
	}, &client)
	rt.Facts.OrgNo, rt.Facts.ClientID, rt.Facts.KeyName, rt.Facts.Scopes = sim.DemoVendorOrgNo, client.ClientID, "main", []string{tokenScope}

	mp, err := rt.Token(ctx, TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if mp.FromCache || mp.Altinn || mp.TokenType != "Bearer" || mp.ExpiresIn != 119 || mp.Scope != tokenScope ||
		mp.Claims["client_id"] != client.ClientID || mp.Header["kid"] == nil {
		t.Errorf("token: %+v, claims %v", *mp, mp.Claims)
	}
	if left := time.Until(mp.ExpiresAt); left < 100*time.Second || left > 120*time.Second {
		t.Errorf("expires in %v, want about 119 s", left)
	}
	for _, s := range []string{fmt.Sprint(mp), fmt.Sprintf("%+v", mp), fmt.Sprintf("%#v", mp), fmt.Sprintf("%v", *mp)} {
		if strings.Contains(s, mp.AccessToken) {
			t.Errorf("formatting a TokenResult shows the token: %s", s)
		}
	}

	// The sandbox's tokens are cached like any others.
	again, err := rt.Token(ctx, TokenRequest{})
	if err != nil || !again.FromCache || again.AccessToken != mp.AccessToken {
		t.Errorf("second token: from cache %v, same %v, err %v", again.FromCache, again.AccessToken == mp.AccessToken, err)
	}

	alt, err := rt.Token(ctx, TokenRequest{Altinn: true})
	if err != nil {
		t.Fatal(err)
	}
	if !alt.Altinn || alt.Claims["iss"] != sandboxAltinnIssuer || alt.ExpiresIn < 1700 || alt.Scope != tokenScope {
		t.Errorf("Altinn token: %+v, claims %v", *alt, alt.Claims)
	}

	in, err := rt.Inspect(ctx, mp.AccessToken, true)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Verified || in.IssuerKind != IssuerMaskinporten || in.KeyID != mp.Header["kid"] ||
		in.JWKSURL != rt.Env.MaskinportenURL+"/jwk" || in.Expired || !strings.HasPrefix(in.Expiry, "expires in ") {
		t.Errorf("inspection: %+v", in)
	}
	if want := "Maskinporten access token for client " + client.ClientID + "."; in.Summary[0] != want {
		t.Errorf("summary starts %q, want %q", in.Summary[0], want)
	}
	if !slices.Contains(in.Summary, "Vendor (consumer): "+sim.DemoVendorOrgNo+" (this profile's organisation).") {
		t.Errorf("summary %q does not name the vendor", in.Summary)
	}
	in, err = rt.Inspect(ctx, alt.AccessToken, true)
	if err != nil || !in.Verified || in.IssuerKind != IssuerAltinn {
		t.Errorf("Altinn inspection: %+v, %v", in, err)
	}
	if _, err := os.Stat(filepath.Join(dirs.Cache, "jwks")); !os.IsNotExist(err) {
		t.Errorf("the embedded sandbox's key sets were cached on disk (%v)", err)
	}

	// A refusal keeps Maskinporten's answer for --verbose.
	_, err = rt.Token(ctx, TokenRequest{Scopes: []string{tokenScopeOff}})
	var ae *AnswerError
	var mpErr *maskinporten.Error
	if !errors.As(err, &ae) || !errors.As(err, &mpErr) || mpErr.MPCode != "MP-200" {
		t.Fatalf("err = %v (%T), want an AnswerError around MP-200", err, err)
	}
	if v := ae.Verbose(); !strings.Contains(v, "Maskinporten answered HTTP 400:") || !strings.Contains(v, `"error":"invalid_scope"`) {
		t.Errorf("Verbose() = %q", v)
	}

	// An issuer this environment does not know is named, with what it trusts.
	foreign := fakeToken(map[string]any{"iss": "https://maskinporten.no/"})
	_, err = rt.Inspect(ctx, foreign, true)
	var ve *VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), `which sandbox does not trust: it trusts `+config.SandboxIssuer+" (Maskinporten) and "+
		sandboxAltinnIssuer+" (Altinn)") || !strings.Contains(ve.Hint(), "--env") {
		t.Errorf("foreign issuer: %v", err)
	}

	// The next run's sandbox, on another port, is the same sandbox: its
	// tokens verify there, and its cache serves them without a request.
	next := openTokenRuntime(t, dirs, service)
	next.Facts.OrgNo, next.Facts.ClientID, next.Facts.KeyName, next.Facts.Scopes = sim.DemoVendorOrgNo, client.ClientID, "main", []string{tokenScope}
	for _, tok := range []*TokenResult{mp, alt} {
		if in, err := next.Inspect(ctx, tok.AccessToken, true); err != nil || !in.Verified {
			t.Errorf("the next run does not verify the %s token: %v", tok.Claims["iss"], err)
		}
	}
	if next.Env.MaskinportenURL == rt.Env.MaskinportenURL {
		t.Errorf("both runs served %s: the test proves nothing", rt.Env.MaskinportenURL)
	}
	for _, want := range []*TokenResult{again, alt} {
		got, err := next.Token(ctx, TokenRequest{Altinn: want.Altinn})
		if err != nil || !got.FromCache || got.AccessToken != want.AccessToken {
			t.Errorf("next run, Altinn %v: from cache %v, same token %v, err %v", want.Altinn, got != nil && got.FromCache, got != nil && got.AccessToken == want.AccessToken, err)
		}
	}

	// A tampered token fails, and the hint names the sandbox's causes.
	tampered := mp.AccessToken[:len(mp.AccessToken)-4] + "AAAA"
	if _, err := next.Inspect(ctx, tampered, true); !errors.As(err, &ve) || !strings.Contains(ve.Hint(), "signing keys were replaced") {
		t.Errorf("tampered sandbox token: %v", err)
	}
}

func fakeToken(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "kid": "k"}) + "." + enc(claims) + ".c2ln"
}
