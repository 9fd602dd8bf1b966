package sim

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

const testAltinnIssuer = "https://sandbox.platform.altinn.localhost/authentication/api/v1/openid/"

// Two simulators on one state file (two CLI commands' sandboxes, or one and
// `sim serve`), on other ports, are one simulator to their clients: a token from the first, and the Altinn
// token exchanged from it, verify at the second, under fixed issuers.
func TestSigningKeysOutliveTheProcess(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sandbox", "state.json")
	cfg := Config{StatePath: state, Issuer: "https://sandbox.maskinporten.localhost/", AltinnIssuer: testAltinnIssuer}
	first := newEnv(t, cfg)
	client := first.addClient([]string{scopeVAT}, 0)
	a := first.token(sign(t, 0, map[string]any{"kid": "key-0"}, first.grantClaims(client, scopeVAT)))
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.Description)
	}
	code, altinnTok, _ := first.exchange("maskinporten", a.AccessToken)
	if code != http.StatusOK {
		t.Fatalf("exchange: %d %s", code, altinnTok)
	}

	second := newEnv(t, cfg)
	if second.inst.URLs.Base == first.inst.URLs.Base {
		t.Fatal("the second simulator listens where the first did")
	}
	if iss := second.verifyMPToken(a.AccessToken)["iss"]; iss != cfg.Issuer {
		t.Errorf("iss %v, want %s", iss, cfg.Issuer)
	}
	var altinnKeys jose.JSONWebKeySet
	second.do("GET", second.inst.URLs.Altinn+altinnOpenIDPath+".well-known/openid-configuration/jwks", nil, &altinnKeys)
	if iss := verifyWith(t, altinnTok, altinnKeys)["iss"]; iss != testAltinnIssuer {
		t.Errorf("Altinn token iss %v, want %s", iss, testAltinnIssuer)
	}
	if code, body, _ := second.exchange("maskinporten", a.AccessToken); code != http.StatusOK {
		t.Errorf("the second simulator refuses the first's token at the exchange: %d %s", code, body)
	}

	keys := filepath.Join(filepath.Dir(state), "state.signing-keys.json")
	if fi, err := os.Stat(keys); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file %s: %v (%v), want mode 0600", keys, fi.Mode().Perm(), err)
	}
	if data, _ := os.ReadFile(state); strings.Contains(string(data), "maskinporten\": \"M") {
		t.Error("the state file holds signing keys")
	}

	// Without a state file the keys are the process's own.
	other := newEnv(t, Config{Issuer: cfg.Issuer})
	if other.srv.mpKey.kid == second.srv.mpKey.kid {
		t.Error("an in-memory simulator signs with the state file's key")
	}
}

// Processes that start on a fresh state at once agree on one key pair.
func TestSigningKeysFirstStart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	kids := make([]string, 3)
	var wg sync.WaitGroup
	for i := range kids {
		wg.Go(func() {
			s, err := New(Config{StatePath: state})
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = s.mpKey.kid + " " + s.altinnKey.kid
		})
	}
	wg.Wait()
	if kids[0] != kids[1] || kids[1] != kids[2] {
		t.Errorf("simulators started together sign with different keys: %q", kids)
	}
}

func TestDamagedKeyFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	keys := keyFilePath(state)
	for _, content := range []string{"{", `{"version":1,"maskinporten":"AAAA","altinn":"AAAA"}`, `{"version":7}`} {
		if err := os.WriteFile(keys, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := New(Config{StatePath: state})
		if err == nil || !strings.Contains(err.Error(), keys) || !strings.Contains(err.Error(), "delete it to make new keys") {
			t.Errorf("%s: err = %v, want one naming the file and the way out", content, err)
		}
	}
}
