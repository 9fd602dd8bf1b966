package altinn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	mpToken     = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJtcCJ9.bXAtc2ln"
	altinnToken = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhbHRpbm4ifQ.YWx0aW5uLXNpZw"
)

// exchangeServer checks the request like Altinn does and answers as told.
func exchangeServer(t *testing.T, status int, body string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != ExchangePath {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+mpToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestExchange(t *testing.T) {
	for _, body := range []string{altinnToken, altinnToken + "\n", `"` + altinnToken + `"`} {
		srv := exchangeServer(t, 200, body)
		got, err := Exchange(context.Background(), srv.Client(), srv.URL+"/", " "+mpToken+"\n")
		if err != nil || got != altinnToken {
			t.Errorf("body %q: Exchange = %q, %v", body, got, err)
		}
	}
}

func TestExchangeErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		token      string
		wantStatus int
		wantErr    string
		wantHint   string
	}{
		{"refused token", 200, altinnToken, "eyJ.other.token", 401, "Altinn refused the Maskinporten token (expired, wrong environment, or no consumer claim)", "same environment"},
		{"400 text is passed on", 400, "Invalid token provider: foo\n", mpToken, 400, "Altinn token exchange: Invalid token provider: foo", "--verbose"},
		{"server trouble", 503, "", mpToken, 503, "HTTP 503 Service Unavailable", "try again"},
		{"echoed token is redacted", 400, "bad token " + mpToken, mpToken, 400, "bad token [redacted JWT]", "--verbose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := exchangeServer(t, tt.status, tt.body)
			_, err := Exchange(context.Background(), srv.Client(), srv.URL, tt.token)
			var e *ExchangeError
			if !errors.As(err, &e) || e.Status != tt.wantStatus {
				t.Fatalf("error = %v, want *ExchangeError %d", err, tt.wantStatus)
			}
			if !strings.Contains(e.Error(), tt.wantErr) || !strings.Contains(e.Hint(), tt.wantHint) {
				t.Errorf("Error() = %q, Hint() = %q; want %q, %q", e.Error(), e.Hint(), tt.wantErr, tt.wantHint)
			}
			if strings.Contains(e.Error()+string(e.Body), mpToken) {
				t.Error("error contains the Maskinporten token")
			}
		})
	}
}

func TestExchangeBadInput(t *testing.T) {
	srv := exchangeServer(t, 200, "<html>not a token</html>")
	tests := []struct {
		name, url, token, wantErr string
	}{
		{"no token", srv.URL, " ", "no Maskinporten token"},
		{"relative URL", "platform.tt02.altinn.no", mpToken, "not an absolute http(s) URL"},
		{"200 without a token", srv.URL, mpToken, "answered 200 without a token"},
	}
	for _, tt := range tests {
		_, err := Exchange(context.Background(), srv.Client(), tt.url, tt.token)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestFirstLine(t *testing.T) {
	long := strings.Repeat("æ", 400)
	if got := firstLine(long); !strings.HasSuffix(got, "…") || len([]rune(got)) != 301 {
		t.Errorf("firstLine(long) has %d runes", len([]rune(got)))
	}
	if got := firstLine(" a \n b"); got != "a" {
		t.Errorf("firstLine = %q", got)
	}
}
