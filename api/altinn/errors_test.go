package altinn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture reads a real Altinn body from the shared fixtures, or skips.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "altinn", name))
	if err != nil {
		t.Skipf("fixture %s not available (%v): it lives in ../shared next to the repository", name, err)
	}
	return b
}

func TestParseErrorFixtures(t *testing.T) {
	tests := []struct {
		file, wantCode string
		status         int
		wantError      []string
		wantHint       string
	}{
		{"problem-AUTH-00011-system-not-found.json", "AUTH-00011", 404,
			[]string{"The Id does not refer to a Registered System. (AUTH-00011, HTTP 404 Not Found). There is no such system, or it belongs to another organisation."},
			"systembruker system list"},
		{"problem-AUTH-00063-accesspackage-not-in-system.json", "AUTH-00063", 400,
			[]string{"A requested access package is not on the system.", "[NotFoundPackages: urn:altinn:accesspackage:jordbruk]"},
			"add the package to the system first"},
		{"systemregister-validation-error-response.json", "STD-00000", 400,
			[]string{"(HTTP 400 Bad Request, 2 problems):",
				"\n  • id is taken: system ids stay taken for ever", "(AUTH.VLD-00002: The system id already exists)",
				"\n  • clientId holds a Maskinporten client id that is already on another live system"},
			"nothing was changed"},
		{"systemregister-validation-error-accesspackage-response.json", "STD-00000", 400,
			[]string{"accessPackages names a package that does not exist", "; Invalid Urn Details: Not found: urn:altinn:accesspackage:skattnaering)"},
			"fix the fields"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := ParseError("POST", "/x", tt.status, fixture(t, tt.file))
			if e.Code != tt.wantCode || e.TraceID == "" {
				t.Errorf("Code = %q, TraceID = %q", e.Code, e.TraceID)
			}
			for _, w := range tt.wantError {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("Error() =\n%s\nwant %q", e.Error(), w)
				}
			}
			if !strings.Contains(e.Hint(), tt.wantHint) {
				t.Errorf("Hint() = %q, want %q", e.Hint(), tt.wantHint)
			}
		})
	}
}

func TestParseErrorPlainFormats(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	tests := []struct {
		name, body string
		status     int
		want, hint string
	}{
		{"empty 401", "", 401, "Altinn refused the token (HTTP 401)", "fresh token"},
		{"empty 403", "", 403, "lacks the scope this API needs", "client scopes"},
		{"text", "Cannot update a system marked as deleted.\n", 400,
			"Altinn refused the request: Cannot update a system marked as deleted. (HTTP 400 Bad Request)", "--verbose"},
		{"model binding", `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"Name":["The Name field is required."],"Id":["The Id field is required."]}}`, 400,
			"2 problems", "fix the fields"},
		{"bare not found", `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"traceId":"00-a-b-00"}`, 404,
			"Altinn refused the request: Not Found (HTTP 404 Not Found)", "--verbose"},
		{"server trouble", "<html>oops</html>", 502, "Altinn refused the request: <html>oops</html> (HTTP 502 Bad Gateway)", "try again"},
		{"echoed token", "bad token " + jwt, 400, "bad token [redacted JWT]", "--verbose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError("PUT", "/p", tt.status, []byte(tt.body))
			if tt.name == "model binding" {
				// Sorted by field, each explained with its field name.
				if len(e.Fields) != 2 || !strings.Contains(e.Error(), "\n  • Id (The Id field is required.)\n  • Name (") {
					t.Errorf("Error() = %q", e.Error())
				}
			}
			if !strings.Contains(e.Error(), tt.want) || !strings.Contains(e.Hint(), tt.hint) {
				t.Errorf("Error() = %q, Hint() = %q; want %q, %q", e.Error(), e.Hint(), tt.want, tt.hint)
			}
			if strings.Contains(e.Error()+e.Verbose(), jwt) {
				t.Error("a token reached the error")
			}
			if !strings.HasPrefix(e.Verbose(), "Altinn answered PUT /p with HTTP ") {
				t.Errorf("Verbose() = %q", e.Verbose())
			}
		})
	}
}

func TestEveryValidationCodeIsExplained(t *testing.T) {
	for code, v := range validations {
		f := FieldError{Code: code, Title: "t"}
		if v.field == "" || v.what == "" || v.fix == "" || !strings.HasPrefix(f.Explain(), v.field+" "+v.what+": "+v.fix) {
			t.Errorf("%s: Explain() = %q", code, f.Explain())
		}
	}
}
