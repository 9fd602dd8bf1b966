package selfservice_test

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/systembruker/systembruker/api/selfservice"
)

func TestAddKeyKeepsEveryKey(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync", scopeVAT).ClientID
	oldExp := h.clock.Now().Add(200 * 24 * time.Hour).Unix()
	current := legacyKey(1, "current", oldExp+60)
	current["use"] = raw("sig")
	h.seedLegacyKeys(id, legacyKey(0, "legacy-2024-05-01", oldExp), current)

	got, err := h.api.AddKey(t.Context(), id, publicJWK(2, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if want := h.clock.Now().Add(year).Unix(); got.Exp != want {
		t.Errorf("returned exp = %d, want Digdir's one year, %d", got.Exp, want)
	}
	if got.KID != "new" || got.Use != "sig" || got.Alg != "RS256" {
		t.Errorf("returned %+v, want kid new, use sig, alg RS256", got)
	}

	// What was posted: both old keys exactly as the simulator sent them,
	// the legacy one with use added, and the new key.
	received := h.keysIn(h.rec.lastResponse("GET /clients/" + id + "/jwks"))
	if _, ok := received[0]["use"]; ok || len(received) != 2 {
		t.Fatalf("seeded keys read as %s: want two, the first without use", raw(received))
	}
	wantOld := []map[string]json.RawMessage{maps.Clone(received[0]), received[1]}
	wantOld[0]["use"] = raw("sig")
	posted := h.keysIn(h.rec.lastBody("POST /clients/" + id + "/jwks"))
	if len(posted) != 3 {
		t.Fatalf("posted %d keys, want 3", len(posted))
	}
	stored := h.storedKeys(id)
	if len(stored) != 3 {
		t.Fatalf("stored %d keys, want 3 (2 old + new)", len(stored))
	}
	for i, want := range wantOld {
		if !sameJSON(t, raw(posted[i]), raw(want)) {
			t.Errorf("old key %d as posted:\n got %s\nwant %s", i, raw(posted[i]), raw(want))
		}
		if !sameJSON(t, raw(stored[i]), raw(want)) {
			t.Errorf("old key %d after AddKey:\n got %s\nwant %s", i, raw(stored[i]), raw(want))
		}
	}

	// Every key signs grants: none was lost, the new one works at once.
	for i, kid := range []string{"legacy-2024-05-01", "current", "new"} {
		if _, err := h.clientToken(id, i, kid, scopeVAT); err != nil {
			t.Errorf("token with %s: %v", kid, err)
		}
	}
}

func TestAddKeyIsIdempotent(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync").ClientID
	first, err := h.api.AddKey(t.Context(), id, publicJWK(0, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	posts := countOf(h.rec.requests(), "POST")
	// The same key again, built afresh: no write, the stored entry back.
	again, err := h.api.AddKey(t.Context(), id, publicJWK(0, "k1"))
	if err != nil {
		t.Fatalf("re-adding the same key: %v", err)
	}
	if n := countOf(h.rec.requests(), "POST"); n != posts {
		t.Errorf("re-adding the same key made %d POSTs, want none", n-posts)
	}
	if again.Exp != first.Exp || again.N != first.N || again.Exp == 0 {
		t.Errorf("re-add returned %+v, want the stored entry %+v", again, first)
	}
}

func TestAddKeyRefusesTakenKID(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync").ClientID
	if _, err := h.api.ReplaceJWKS(t.Context(), id, []selfservice.JWK{publicJWK(0, "k1")}); err != nil {
		t.Fatal(err)
	}
	posts := countOf(h.rec.requests(), "POST")
	_, err := h.api.AddKey(t.Context(), id, publicJWK(1, "k1"))
	if !errors.Is(err, selfservice.ErrKIDTaken) {
		t.Fatalf("err = %v, want ErrKIDTaken", err)
	}
	if !strings.Contains(err.Error(), "systembruker client keys remove "+id+" --kid k1") {
		t.Errorf("error %q does not say how to remove the old key", err)
	}
	if n := countOf(h.rec.requests(), "POST"); n != posts {
		t.Errorf("%d POSTs after a refused key, want none", n-posts)
	}
}

func TestAddKeyRefusesSixthKey(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync").ClientID
	kids := []string{"a", "b", "c", "d", "e"}
	days := []time.Duration{50, 40, 10, 30, 20} // c expires first
	var five []selfservice.JWK
	for i, kid := range kids {
		k := publicJWK(i, kid)
		k.Exp = h.clock.Now().Add(days[i] * 24 * time.Hour).Unix()
		five = append(five, k)
	}
	if _, err := h.api.ReplaceJWKS(t.Context(), id, five); err != nil {
		t.Fatal(err)
	}
	posts := countOf(h.rec.requests(), "POST")

	_, err := h.api.AddKey(t.Context(), id, publicJWK(5, "f"))
	var le *selfservice.KeyLimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *KeyLimitError", err)
	}
	for _, kid := range kids {
		if !strings.Contains(err.Error(), kid+" (expires ") {
			t.Errorf("error %q does not list key %s with its expiry", err, kid)
		}
	}
	if want := "`systembruker client keys remove " + id + " --kid c`"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to propose %s", err, want)
	}
	if n := countOf(h.rec.requests(), "POST"); n != posts {
		t.Errorf("%d POSTs for a sixth key, want none", n-posts)
	}
	if n := len(h.storedKeys(id)); n != 5 {
		t.Errorf("%d keys stored, want the 5 untouched", n)
	}
}

// Digdir keeps a key one year at most; a shorter exp sent with the key
// stays.
func TestKeyExpiryIsAtMostAYear(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("sync").ClientID
	now := h.clock.Now()
	month, twoYears := publicJWK(0, "month"), publicJWK(1, "two-years")
	month.Exp = now.Add(30 * 24 * time.Hour).Unix()
	twoYears.Exp = now.Add(2 * year).Unix()
	set, err := h.api.ReplaceJWKS(t.Context(), id, []selfservice.JWK{month, twoYears, publicJWK(2, "plain")})
	if err != nil {
		t.Fatal(err)
	}
	var exps []int64
	for _, k := range set.Keys {
		exps = append(exps, k.Exp)
	}
	if want := []int64{month.Exp, now.Add(year).Unix(), now.Add(year).Unix()}; !slices.Equal(exps, want) {
		t.Errorf("exps %v, want %v", exps, want)
	}
	if got := set.Keys[0].Expires(); !got.Equal(time.Unix(month.Exp, 0)) {
		t.Errorf("Expires() = %v", got)
	}
}

func TestAddKeyRefusesBadKeysBeforeAnyRequest(t *testing.T) {
	private, err := json.Marshal(map[string]any{
		"kty": "RSA", "kid": "priv", "use": "sig", "alg": "RS256",
		"n": publicJWK(0, "").N, "e": "AQAB", "d": "c2VjcmV0LXByaXZhdGUtZXhwb25lbnQ", "p": "cHJpbWU",
	})
	if err != nil {
		t.Fatal(err)
	}
	var withPrivate selfservice.JWK
	if err := json.Unmarshal(private, &withPrivate); err != nil {
		t.Fatal(err)
	}
	small := selfservice.NewJWK(&mustSmallKey(t).PublicKey, "small")
	ec := publicJWK(0, "ec")
	ec.Kty = "EC"
	enc := publicJWK(0, "enc")
	enc.Use = "enc"
	es := publicJWK(0, "es")
	es.Alg = "ES256"

	tests := []struct {
		name string
		key  selfservice.JWK
		want string
	}{
		{"private members", withPrivate, "private key members (d, p)"},
		{"not RSA", ec, `kty "EC"`},
		{"bad kid", publicJWK(0, "my key"), "kid"},
		{"encryption key", enc, `use "enc"`},
		{"EC algorithm", es, `alg "ES256"`},
		{"1024 bits", small, "1024-bit"},
		{"no modulus", selfservice.JWK{Kty: "RSA", KID: "x", E: "AQAB"}, "modulus"},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.api.AddKey(t.Context(), newUUID(), tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "c2VjcmV0") {
				t.Errorf("error repeats private key material: %v", err)
			}
			if r := h.rec.requests(); len(r) != 0 {
				t.Errorf("requests %q before refusing, want none", r)
			}
		})
	}
}

func TestRemoveKey(t *testing.T) {
	tests := []struct {
		name     string
		have     []string
		remove   string
		wantLeft []string
		wantReq  []string // write requests, after the GET
		wantErr  error
	}{
		{"one of three", []string{"a", "b", "c"}, "b", []string{"a", "c"}, []string{"POST /jwks"}, nil},
		{"the last", []string{"a"}, "a", nil, []string{"DELETE /jwks"}, nil},
		{"unknown kid", []string{"a", "b"}, "zz", []string{"a", "b"}, nil, selfservice.ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.newClient("sync").ClientID
			// Keys stored before Digdir required use, with expiries within
			// its year, so they are kept as sent.
			exp := h.clock.Now().Add(100 * 24 * time.Hour).Unix()
			var keys []map[string]json.RawMessage
			for i, kid := range tt.have {
				keys = append(keys, legacyKey(i, kid, exp+int64(i)))
			}
			h.seedLegacyKeys(id, keys...)
			before := len(h.rec.requests())

			left, err := h.api.RemoveKey(t.Context(), id, tt.remove)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && !strings.Contains(err.Error(), strings.Join(tt.have, ", ")) {
				t.Errorf("error %q does not list the keys there are", err)
			}
			if err == nil && strings.Join(left.KIDs(), ",") != strings.Join(tt.wantLeft, ",") {
				t.Errorf("returned kids %v, want %v", left.KIDs(), tt.wantLeft)
			}
			var writes []string
			for _, r := range h.rec.requests()[before+1:] {
				method, _, _ := strings.Cut(r, " ")
				writes = append(writes, method+" /"+r[strings.LastIndex(r, "/")+1:])
			}
			if strings.Join(writes, ",") != strings.Join(tt.wantReq, ",") {
				t.Errorf("writes %q, want %q", writes, tt.wantReq)
			}
			// Every key that stays is stored as it was, plus use.
			stored := h.storedKeys(id)
			if len(stored) != len(tt.wantLeft) {
				t.Fatalf("stored %d keys, want %d", len(stored), len(tt.wantLeft))
			}
			for _, s := range stored {
				var kid string
				json.Unmarshal(s["kid"], &kid)
				i := strings.Index(strings.Join(tt.have, ""), kid) // kids are one letter
				want := legacyKey(i, kid, exp+int64(i))
				if tt.wantErr == nil {
					want["use"] = raw("sig")
				}
				if !sameJSON(t, raw(s), raw(want)) {
					t.Errorf("key %s:\n got %s\nwant %s", kid, raw(s), raw(want))
				}
			}
		})
	}
}

func TestReplaceJWKSRefusesBeforeSending(t *testing.T) {
	six := make([]selfservice.JWK, 6)
	for i := range six {
		six[i] = publicJWK(i, string(rune('a'+i)))
	}
	tests := []struct {
		name string
		keys []selfservice.JWK
		want string
	}{
		{"six keys", six, "at most 5"},
		{"empty", nil, "DeleteJWKS"},
		{"duplicate kid", []selfservice.JWK{publicJWK(0, "a"), publicJWK(1, "a")}, "twice"},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.api.ReplaceJWKS(t.Context(), newUUID(), tt.keys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if r := h.rec.requests(); len(r) != 0 {
				t.Errorf("requests %q, want none", r)
			}
		})
	}
}

// A key set that comes back without a key that was posted is an error that
// names the key, never a quiet success: the simulator drops it on request.
func TestKeyWriteNoticesADroppedKey(t *testing.T) {
	h := newHarness(t)
	id := h.newClient("dropped").ClientID
	if _, err := h.api.AddKey(t.Context(), id, publicJWK(0, "k1")); err != nil {
		t.Fatal(err)
	}
	dropNext := func() { h.fault("/clients/"+id+"/jwks", map[string]any{"count": 1, "drop_key": true}) }
	kids := func() []string {
		var out []string
		for _, k := range h.storedKeys(id) {
			var kid string
			json.Unmarshal(k["kid"], &kid)
			out = append(out, kid)
		}
		return out
	}

	dropNext()
	_, err := h.api.AddKey(t.Context(), id, publicJWK(1, "k2"))
	if err == nil || !strings.Contains(err.Error(), "lacks keys k2") || !strings.Contains(err.Error(), "client keys list "+id) {
		t.Fatalf("AddKey with the key dropped: err = %v, want one naming k2 and the command to check", err)
	}
	if got := kids(); !slices.Equal(got, []string{"k1"}) {
		t.Fatalf("stored kids %v, want [k1]: the simulator did not drop k2", got)
	}
	// Safe to re-run: the key goes in this time.
	for _, k := range []struct {
		i   int
		kid string
	}{{1, "k2"}, {2, "k3"}} {
		if _, err := h.api.AddKey(t.Context(), id, publicJWK(k.i, k.kid)); err != nil {
			t.Fatal(err)
		}
	}

	// Removing k1 posts k2 and k3 back; losing k3 on the way is reported.
	dropNext()
	if _, err := h.api.RemoveKey(t.Context(), id, "k1"); err == nil || !strings.Contains(err.Error(), "lacks keys k3") {
		t.Fatalf("RemoveKey with a key dropped: err = %v, want one naming k3", err)
	}
}
