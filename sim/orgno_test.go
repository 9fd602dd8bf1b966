package sim

import "testing"

func TestValidOrgNo(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"310000000", true},
		{"310007919", true},
		{"310055433", true},
		{"310095028", true},
		{"991825827", true},
		{"314240979", true},
		{"310000001", false}, // wrong check digit
		{"310000060", false}, // remainder 1: no check digit exists
		{"123456789", false}, // check digit should be 5
		{"31000000", false},  // too short
		{"3100000000", false},
		{"31000000a", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := validOrgNo(tt.in); got != tt.want {
			t.Errorf("validOrgNo(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParsePrefixedOrgNo(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"0192:310007919", "310007919", true},
		{"310007919", "", false},
		{"0192:310007910", "310007910", false},
		{"0193:310007919", "", false},
	}
	for _, tt := range tests {
		got, ok := parsePrefixedOrgNo(tt.in)
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("parsePrefixedOrgNo(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
