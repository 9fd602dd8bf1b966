package redact

import "testing"

func TestJWTs(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"error":"x","assertion":"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"}`, `{"error":"x","assertion":"[redacted JWT]"}`},
		{"token eyJa.eyJb. end", "token [redacted JWT] end"},
		{"no token here", "no token here"},
	}
	for _, tt := range tests {
		if got := string(JWTs([]byte(tt.in))); got != tt.want {
			t.Errorf("JWTs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
