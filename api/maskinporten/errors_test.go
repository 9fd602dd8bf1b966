package maskinporten

import (
	"strings"
	"testing"
	"time"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantMP    string
		wantTrace string
		wantErr   string // substring of Error()
		wantHint  string // substring of Hint()
	}{
		// Bodies captured from the real service (maskinporten.md §2.5).
		{
			name:      "expired key (real)",
			status:    400,
			body:      `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Expired key. (trace_id: 356666143081bbec11d293753e9702ca)","error_uri":"https://maskinporten.no/errors/MP-121"}`,
			wantMP:    "MP-121",
			wantTrace: "356666143081bbec11d293753e9702ca",
			wantErr:   "Maskinporten: key expired: key key-1 on client client-1 is past its expiry (MP-121)",
			wantHint:  "key expired: run `systembruker keys rotate`",
		},
		{
			name:      "invalid scope (real)",
			status:    400,
			body:      `{"error":"invalid_scope","error_description":"Token request contains invalid scopes for client, altinn:serviceowners/read (trace_id: bd1d0e3bfb1c7a7bd99fd447714a316c)","error_uri":"https://test.maskinporten.no/errors/MP-200"}`,
			wantMP:    "MP-200",
			wantTrace: "bd1d0e3bfb1c7a7bd99fd447714a316c",
			wantErr:   "scope altinn:serviceowners/read is not registered on client client-1 (MP-200)",
			wantHint:  "add the scope to the client in Digdir's self-service portal, or make a client that has it with `systembruker client create --scope`",
		},
		{
			name:      "unknown kid (real, no error_uri)",
			status:    400,
			body:      `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client. (trace_id: 493f1671fdc2eef443fd443a88e052ea)"}`,
			wantTrace: "493f1671fdc2eef443fd443a88e052ea",
			wantErr:   "key id key-1 is not registered on client client-1 (invalid_grant)",
			wantHint:  "unknown kid: a newly uploaded key can take a few minutes to reach Maskinporten — wait and retry, or check `systembruker client keys list`",
		},
		{
			name:      "no access to scope (real)",
			status:    403,
			body:      `{"error":"forbidden","error_description":"Consumer has not been granted access to the scope folkeregister:deling/offentligutenhjemmel. (correlation id: 2d4fa134-1c1a-4e8e-9d1b-4e0f6f0c0a11)"}`,
			wantMP:    "MP-250",
			wantTrace: "2d4fa134-1c1a-4e8e-9d1b-4e0f6f0c0a11",
			wantErr:   "not been granted access to scope folkeregister:deling/offentligutenhjemmel (MP-250)",
			wantHint:  "ask the API owner",
		},
		{
			name:     "not delegated (real)",
			status:   403,
			body:     `{"error":"forbidden","error_description":"Consumer 958935420 has not delegated access to the scope folkeregister:deling/offentligutenhjemmel to supplier 920204368. (correlation id: 2d4fa134)"}`,
			wantMP:   "MP-251",
			wantErr:  "has not delegated scope folkeregister:deling/offentligutenhjemmel to your organisation",
			wantHint: "delegate the scope to you in Altinn",
		},
		// The documented catalogue, by code in error_uri or by description stem.
		{
			name:     "client not found",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. (trace_id: 1)"}`,
			wantMP:   "MP-100",
			wantErr:  "client client-1 is unknown to this Maskinporten",
			wantHint: "`systembruker client list`",
		},
		{
			name:     "wrong aud",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Invalid JWT claim aud"}`,
			wantMP:   "MP-110",
			wantErr:  "audience is not this Maskinporten's issuer",
			wantHint: "trailing slash",
		},
		{
			name:     "bad certificate",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate."}`,
			wantMP:   "MP-120",
			wantErr:  "certificate Maskinporten does not accept",
			wantHint: "test certificates only work in test",
		},
		{
			name:     "certificate of another org",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid JWT. Invalid organization number for client. Does not match certificate orgno"}`,
			wantMP:   "MP-122",
			wantErr:  "not the organisation that owns the client",
			wantHint: "virksomhetssertifikat of the organisation",
		},
		{
			name:     "bad x5c",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid JWT header x5c"}`,
			wantMP:   "MP-123",
			wantErr:  "certificate chain (x5c)",
			wantHint: "--verbose",
		},
		{
			name:     "bad signature",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Invalid JWT signature","error_uri":"https://test.maskinporten.no/errors/MP-124"}`,
			wantMP:   "MP-124",
			wantErr:  "signature does not match key key-1",
			wantHint: "`systembruker client keys list`",
		},
		{
			name:     "grant expired",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"JWT is expired"}`,
			wantMP:   "MP-130",
			wantErr:  "grant had expired",
			wantHint: "clock skew: check that this machine's clock is NTP-synced",
		},
		{
			name:     "malformed grant",
			status:   400,
			body:     `{"error":"invalid_request","error_description":"Invalid assertion. Invalid parameter value"}`,
			wantMP:   "MP-011",
			wantErr:  "could not parse the grant",
			wantHint: "bug",
		},
		{
			name:     "replayed jti",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Grant is used before"}`,
			wantMP:   "MP-012",
			wantErr:  "jti was used before",
			wantHint: "try again",
		},
		{
			name:     "scope not for maskinporten",
			status:   400,
			body:     `{"error":"invalid_scope","error_description":"Token request contains scopes not allowed for maskinporten"}`,
			wantMP:   "MP-201",
			wantErr:  "scope altinn:authentication/systemregister.write may not be used through Maskinporten",
			wantHint: "ask them",
		},
		{
			name:     "unknown RAR type",
			status:   400,
			body:     `{"error":"invalid_request","error_description":"Unknown authorization details type"}`,
			wantMP:   "MP-301",
			wantErr:  "authorization_details",
			wantHint: "bug",
		},
		{
			name:     "extra RAR fields",
			status:   400,
			body:     `{"error":"invalid_request","error_description":"Unknown fields in the authorization details","error_uri":"https://test.maskinporten.no/errors/MP-302"}`,
			wantMP:   "MP-302",
			wantErr:  "authorization_details",
			wantHint: "bug",
		},
		{
			name:     "no system user",
			status:   400,
			body:     `{"error":"invalid_altinn_customer_configuration","error_description":"Invalid authorization details values"}`,
			wantMP:   "MP-303",
			wantErr:  "no system user for 0192:310007919 ",
			wantHint: "the customer must first approve a system-user request for your system",
		},
		{
			name:     "requires pre-registered jwk",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Invalid JWT. The client requires pre-registered jwk and no key identifier (kid) provided"}`,
			wantErr:  "must name one with kid",
			wantHint: "upload the certificate",
		},
		{
			name:     "issued in the future",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"Issue time is in the future"}`,
			wantErr:  "issue time (iat) is in the future",
			wantHint: "clock skew: check that this machine's clock is NTP-synced",
		},
		{
			name:     "too long lifetime",
			status:   400,
			body:     `{"error":"invalid_grant","error_description":"JWT has too long lifetime"}`,
			wantErr:  "lifetime (exp − iat) is too long",
			wantHint: "120 seconds",
		},
		{
			name:     "unknown text is passed on without trace id",
			status:   400,
			body:     `{"error":"invalid_request","error_description":"Something new (trace_id: abc)"}`,
			wantErr:  "Maskinporten: Something new (invalid_request)",
			wantHint: "--verbose",
		},
		{
			name:     "gateway page",
			status:   502,
			body:     `<html><body>Bad Gateway</body></html>`,
			wantErr:  "Maskinporten is having trouble (HTTP 502 Bad Gateway)",
			wantHint: "try again in a few minutes",
		},
		{
			name:     "rate limited",
			status:   429,
			body:     ``,
			wantErr:  "rate limiting",
			wantHint: "wait a minute",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseError(tt.status, []byte(tt.body))
			e.ClientID, e.KeyID, e.SystemUserOrg = "client-1", "key-1", "310007919"
			e.Scopes = []string{"altinn:authentication/systemregister.write"}
			if e.MPCode != tt.wantMP {
				t.Errorf("MPCode = %q, want %q", e.MPCode, tt.wantMP)
			}
			if e.TraceID != tt.wantTrace && tt.wantTrace != "" {
				t.Errorf("TraceID = %q, want %q", e.TraceID, tt.wantTrace)
			}
			if !strings.Contains(e.Error(), tt.wantErr) {
				t.Errorf("Error() = %q\nwant it to contain %q", e.Error(), tt.wantErr)
			}
			if !strings.HasPrefix(e.Error(), "Maskinporten: ") || strings.Contains(e.Error(), "\n") {
				t.Errorf("Error() = %q, want one line starting with \"Maskinporten: \"", e.Error())
			}
			if !strings.Contains(e.Hint(), tt.wantHint) {
				t.Errorf("Hint() = %q\nwant it to contain %q", e.Hint(), tt.wantHint)
			}
			if got, want := e.NoSystemUser(), tt.wantMP == "MP-303"; got != want {
				t.Errorf("NoSystemUser() = %v, want %v", got, want)
			}
			if string(e.Body) != tt.body {
				t.Errorf("Body = %q, want the raw body", e.Body)
			}
		})
	}
}

func TestErrorRetryAfterHint(t *testing.T) {
	e := parseError(429, nil)
	e.RetryAfter = 90 * time.Second
	if got := e.Hint(); got != "wait 1m30s and try again" {
		t.Errorf("Hint() = %q", got)
	}
	if !e.Retryable() {
		t.Error("429 not retryable")
	}
}

func TestErrorRedactsJWTs(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
	e := parseError(400, []byte(`{"error":"invalid_request","error_description":"bad grant `+jwt+`"}`))
	for name, s := range map[string]string{"Error()": e.Error(), "Hint()": e.Hint(), "Body": string(e.Body), "Description": e.Description} {
		if strings.Contains(s, "eyJ") {
			t.Errorf("%s contains a JWT: %q", name, s)
		}
	}
}
