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

// The check digit is 11 - (weighted sum mod 11), where 11 becomes 0 and 10
// means no number with those first eight digits exists.
func TestValidateCheckDigitEdges(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"check digit 0 (sum ≡ 0 mod 11)", "310000000", false},
		{"check digit 0, another", "831494050", false},
		{"check digit 0, a third", "977043050", false},
		{"sum ≡ 0 mod 11 but the digit is 1", "310000001", true},
		{"sum ≡ 0 mod 11 but the digit is 9", "831494059", true},
		{"a 0 where the check digit is 6", "974761070", true},
		{"sum ≡ 1 mod 11 (check 10): 0", "927377730", true},
		{"sum ≡ 1 mod 11 (check 10): 1", "927377731", true},
		{"sum ≡ 1 mod 11 (check 10): 9", "800706679", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate(%s) = %v, want error: %v", tt.in, err, tt.wantErr)
			}
		})
	}
	// Every last digit but the one check digit is refused.
	for _, prefix := range []string{"31000000", "83149405", "92737773"} {
		valid := 0
		for d := '0'; d <= '9'; d++ {
			if Validate(prefix+string(d)) == nil {
				valid++
			}
		}
		want := 1
		if prefix == "92737773" {
			want = 0
		}
		if valid != want {
			t.Errorf("%s?: %d last digits accepted, want %d", prefix, valid, want)
		}
	}
}
