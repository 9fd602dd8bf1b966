package selfservice

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAddKeyKeepsEveryKey(t *testing.T) {
	h := newHarness(t)
	id := h.fake.seedClient(nil)
	oldExp := h.fake.now.Add(200 * 24 * time.Hour).Unix()
	legacy := legacyKey(0, "legacy-2024-05-01", oldExp)
	current := currentKey(1, "current", oldExp+60)
	h.fake.seedKeys(id, legacy, current)

	got, err := h.api.AddKey(t.Context(), id, publicJWK(2, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if want := h.fake.now.Add(year).Unix(); got.Exp != want {
		t.Errorf("returned exp = %d, want Digdir's one year, %d", got.Exp, want)
	}
	if got.KID != "new" || got.Use != "sig" || got.Alg != "RS256" {
		t.Errorf("returned %+v, want kid new, use sig, alg RS256", got)
	}

	// What was posted: both old keys as Digdir sent them, the legacy one
	// with use added, and the new key.
	var posted struct{ Keys []map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(h.fake.lastBody("POST "+fakeBase+"/clients/"+id+"/jwks")), &posted); err != nil {
		t.Fatal(err)
	}
	if len(posted.Keys) != 3 {
		t.Fatalf("posted %d keys, want 3", len(posted.Keys))
	}
	stored := h.fake.storedKeys(id)
	if len(stored) != 3 {
		t.Fatalf("stored %d keys, want 3 (2 old + new)", len(stored))
	}
	wantLegacy := map[string]json.RawMessage{"use": raw("sig")}
	for k, v := range legacy {
		wantLegacy[k] = v
	}
	for i, want := range []map[string]json.RawMessage{wantLegacy, current} {
		if !sameJSON(t, raw(posted.Keys[i]), raw(want)) {
			t.Errorf("old key %d as posted:\n got %s\nwant %s", i, raw(posted.Keys[i]), raw(want))
		}
		if !sameJSON(t, raw(stored[i]), raw(want)) {
			t.Errorf("old key %d after AddKey:\n got %s\nwant %s", i, raw(stored[i]), raw(want))
		}
	}
}

func TestAddKeyIsIdempotent(t *testing.T) {
	h := newHarness(t)
	id := h.fake.seedClient(nil)
	first, err := h.api.AddKey(t.Context(), id, publicJWK(0, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	posts := countOf(h.fake.requests(), "POST")
	// The same key again, built afresh: no write, the stored entry back.
	again, err := h.api.AddKey(t.Context(), id, publicJWK(0, "k1"))
	if err != nil {
		t.Fatalf("re-adding the same key: %v", err)
	}
	if n := countOf(h.fake.requests(), "POST"); n != posts {
		t.Errorf("re-adding the same key made %d POSTs, want none", n-posts)
	}
	if again.Exp != first.Exp || again.N != first.N {
		t.Errorf("re-add returned %+v, want the stored entry %+v", again, first)
	}
}

func TestAddKeyRefusesTakenKID(t *testing.T) {
	h := newHarness(t)
	id := h.fake.seedClient(nil)
	h.fake.seedKeys(id, currentKey(0, "k1", 1900000000))
	_, err := h.api.AddKey(t.Context(), id, publicJWK(1, "k1"))
	if !errors.Is(err, ErrKIDTaken) {
		t.Fatalf("err = %v, want ErrKIDTaken", err)
	}
	if !strings.Contains(err.Error(), "systembruker client keys remove "+id+" --kid k1") {
		t.Errorf("error %q does not say how to remove the old key", err)
	}
	if n := countOf(h.fake.requests(), "POST"); n != 0 {
		t.Errorf("%d POSTs after a refused key, want none", n)
	}
}

func TestAddKeyRefusesSixthKey(t *testing.T) {
	h := newHarness(t)
	id := h.fake.seedClient(nil)
	var five []map[string]json.RawMessage
	kids := []string{"a", "b", "c", "d", "e"}
	exps := []int64{1900000500, 1900000400, 1900000100, 1900000300, 1900000200} // c expires first
	for i, kid := range kids {
		five = append(five, currentKey(i, kid, exps[i]))
	}
	h.fake.seedKeys(id, five...)

	_, err := h.api.AddKey(t.Context(), id, publicJWK(5, "f"))
	var le *KeyLimitError
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
	if n := countOf(h.fake.requests(), "POST"); n != 0 {
		t.Errorf("%d POSTs for a sixth key, want none", n)
	}
	if n := len(h.fake.storedKeys(id)); n != 5 {
		t.Errorf("%d keys stored, want the 5 untouched", n)
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
	var withPrivate JWK
	if err := json.Unmarshal(private, &withPrivate); err != nil {
		t.Fatal(err)
	}
	small := NewJWK(&mustSmallKey(t).PublicKey, "small")
	ec := publicJWK(0, "ec")
	ec.Kty = "EC"
	enc := publicJWK(0, "enc")
	enc.Use = "enc"
	es := publicJWK(0, "es")
	es.Alg = "ES256"

	tests := []struct {
		name string
		key  JWK
		want string
	}{
		{"private members", withPrivate, "private key members (d, p)"},
		{"not RSA", ec, `kty "EC"`},
		{"bad kid", publicJWK(0, "my key"), "kid"},
		{"encryption key", enc, `use "enc"`},
		{"EC algorithm", es, `alg "ES256"`},
		{"1024 bits", small, "1024-bit"},
		{"no modulus", JWK{Kty: "RSA", KID: "x", E: "AQAB"}, "modulus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.api.AddKey(t.Context(), newUUID(), tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "c2VjcmV0") {
				t.Errorf("error repeats private key material: %v", err)
			}
			if r := h.fake.requests(); len(r) != 0 {
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
		{"unknown kid", []string{"a", "b"}, "zz", []string{"a", "b"}, nil, ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.fake.seedClient(nil)
			// Expiries within Digdir's year, so the fake keeps them as sent.
			exp := h.fake.now.Add(100 * 24 * time.Hour).Unix()
			var keys []map[string]json.RawMessage
			for i, kid := range tt.have {
				keys = append(keys, legacyKey(i, kid, exp+int64(i)))
			}
			h.fake.seedKeys(id, keys...)

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
			for _, r := range h.fake.requests()[1:] {
				method, _, _ := strings.Cut(r, " ")
				writes = append(writes, method+" /"+r[strings.LastIndex(r, "/")+1:])
			}
			if strings.Join(writes, ",") != strings.Join(tt.wantReq, ",") {
				t.Errorf("writes %q, want %q", writes, tt.wantReq)
			}
			// Every key that stays is stored as it was, plus use.
			stored := h.fake.storedKeys(id)
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
	six := make([]JWK, 6)
	for i := range six {
		six[i] = publicJWK(i, string(rune('a'+i)))
	}
	tests := []struct {
		name string
		keys []JWK
		want string
	}{
		{"six keys", six, "at most 5"},
		{"empty", nil, "DeleteJWKS"},
		{"duplicate kid", []JWK{publicJWK(0, "a"), publicJWK(1, "a")}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.api.ReplaceJWKS(t.Context(), newUUID(), tt.keys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if r := h.fake.requests(); len(r) != 0 {
				t.Errorf("requests %q, want none", r)
			}
		})
	}
}

// TestFakeIsStrict proves the fake refuses what Digdir refuses, so the
// tests above would catch a client that sent such a set.
func TestFakeIsStrict(t *testing.T) {
	noUse := currentKey(0, "a", 0)
	delete(noUse, "use")
	withD := currentKey(0, "a", 0)
	withD["d"] = raw("AQAB")
	var six []map[string]json.RawMessage
	for i := range 6 {
		six = append(six, currentKey(i, string(rune('a'+i)), 0))
	}
	tests := []struct {
		name string
		body any
	}{
		{"six keys", map[string]any{"keys": six}},
		{"no use", map[string]any{"keys": []any{noUse}}},
		{"private member", map[string]any{"keys": []any{withD}}},
		{"bare array", []any{currentKey(0, "a", 0)}},
		{"empty", map[string]any{"keys": []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.fake.seedClient(nil)
			err := h.api.do(t.Context(), "POST", "/clients/"+id+"/jwks", nil, tt.body, nil)
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("err = %v, want a 400 from the fake", err)
			}
		})
	}
}
