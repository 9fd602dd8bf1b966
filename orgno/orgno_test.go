package orgno

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"974761076", ""}, // Skatteetaten
		{"991825827", ""}, // Digdir
		{"314240979", ""},
		{"974761077", "wrong check digit"},
		{"97476107", "exactly 9 digits"},
		{"9747610761", "exactly 9 digits"},
		{"97476107x", "digits only"},
		{"", "exactly 9 digits"},
	}
	for _, tt := range tests {
		err := Validate(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Validate(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Validate(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, in := range []string{"974761076", " 974 761 076 ", "0192:974761076"} {
		got, err := Normalize(in)
		if err != nil || got != "974761076" {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	if got := Prefixed("974761076"); got != "0192:974761076" {
		t.Errorf("Prefixed = %q", got)
	}
}
