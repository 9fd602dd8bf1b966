package redact

import (
	"strings"
	"testing"
)

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

const pemBody = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC9KdLbXl5+StMr\n" +
	"3vNnlk/0vM12Nf7pV635ztQVp3Atb3IUTanE3QI/WSM7vB00JffsByd90c4b0arh\n" +
	"tL53hJhTzJchMhmcEMGrUQwgZSRDHgkFx6SZESu1coFRJA1DuQX0ZiCsWUHsaiCT\n" +
	"DVHxDArUGA=="

func TestSecrets(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "no such file or directory", "no such file or directory"},
		{"url", "GET https://test.maskinporten.no/.well-known/oauth-authorization-server: 404",
			"GET https://test.maskinporten.no/.well-known/oauth-authorization-server: 404"},
		{"pem", "read -----BEGIN PRIVATE KEY-----\n" + pemBody + "\n-----END PRIVATE KEY-----\n: no such file",
			"read [redacted PEM block]\n: no such file"},
		{"truncated pem", "bad flag syntax: -----BEGIN RSA PRIVATE KEY-----\n" + pemBody, "bad flag syntax: [redacted PEM block]"},
		{"encrypted pem", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n" + pemBody + "\n-----END RSA PRIVATE KEY-----",
			"[redacted PEM block]"},
		{"a message naming the markers", "not a PEM block: expected text starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----",
			"not a PEM block: expected text starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----"},
		{"pem body", "read " + pemBody + ": no such file", "read [redacted base64]: no such file"},
		{"jwt", "client id eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln is wrong", "client id [redacted JWT] is wrong"},
		{"jwk", `read {"kty":"RSA","n":"AQAB","e":"AQAB","d":"c2VjcmV0","p":"cA","dp":"ZHA"}: no such file`,
			`read {"kty":"RSA","n":"AQAB","e":"AQAB","d":"[redacted]","p":"[redacted]","dp":"[redacted]"}: no such file`},
		{"long run", "read " + long + ": file name too long", "read " + strings.Repeat("x", 32) + "… (5000 characters): file name too long"},
	}
	for _, tc := range tests {
		if got := Secrets(tc.in); got != tc.want {
			t.Errorf("%s: Secrets = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCut(t *testing.T) {
	if got := Cut("short", 10); got != "short" {
		t.Errorf("Cut(short) = %q", got)
	}
	if got := Cut("ååååå", 3); got != "ååå… (5 characters)" {
		t.Errorf("Cut = %q", got)
	}
}
