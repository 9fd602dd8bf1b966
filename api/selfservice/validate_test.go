package selfservice

import (
	"strings"
	"testing"
)

func TestValidClientID(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = valid, else a fragment of the error
	}{
		{"d1427568-1eba-1bf2-59ed-1c4af065f30e", ""},
		{"D1427568-1EBA-1BF2-59ED-1C4AF065F30E", ""},
		{"oidc_difi_jb_test", ""},
		{"test.client-01", ""},
		{"", "empty"},
		{" d1427568-1eba-1bf2-59ed-1c4af065f30e", "spaces"},
		{"d1427568-1eba-1bf2-59ed-1c4af065f30e\n", "spaces"},
		{`{"kty":"RSA","n":"x"}`, "key (JWK)"},
		{"eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln", "token"},
		{"https://sjolvbetjening.test.samarbeid.digdir.no/clients/x", "URL"},
		{"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "looks like a key id (kid)"},
		{"kid-2024-07-10-12-00-00", "looks like a key id (kid)"},
		{"acme-TEST.2024-07-10", "looks like a key id (kid)"},
		{"broker-20250101120000", "looks like a key id (kid)"},
		{"client/id", `'/'`},
		{"klient-ø", `'ø'`},
		{strings.Repeat("a", 101), "101 characters"},
	}
	for _, tt := range tests {
		err := ValidClientID(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidClientID(%q) = %v, want nil", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidClientID(%q) = %v, want an error mentioning %q", tt.in, err, tt.want)
		case tt.want != "" && len(tt.in) > 3 && strings.Contains(err.Error(), tt.in):
			t.Errorf("ValidClientID(%q) repeats the input: %v", tt.in, err)
		}
	}
	const exact = "that looks like a key id (kid), not a client id: the client id is shown as 'Klient-ID' / client_id in the portal"
	if err := ValidClientID("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"); err == nil || err.Error() != exact {
		t.Errorf("kid message = %v, want %q", err, exact)
	}
}

func TestValidKID(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", true},
		{"kid-2024-07-10-12-00-00", true},
		{"acme-TEST.2024-07-10", true},
		{"d1427568-1eba-1bf2-59ed-1c4af065f30e", true},
		{"", false},
		{"my key", false},
		{"key/1", false},
		{"nøkkel", false},
		{strings.Repeat("k", 101), false},
	}
	for _, tt := range tests {
		if err := ValidKID(tt.in); (err == nil) != tt.valid {
			t.Errorf("ValidKID(%q) = %v, want valid: %v", tt.in, err, tt.valid)
		}
	}
}
