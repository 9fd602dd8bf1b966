package sim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A web page must not reach the control API: not by DNS rebinding (its own
// name in Host) nor cross-site (its origin in Origin or Sec-Fetch-Site).
// Programs on this machine must.
func TestControlRefusesWebPages(t *testing.T) {
	e := newEnv(t, Config{})
	base, _ := url.Parse(e.inst.URLs.Base)
	port := base.Port()
	own := e.inst.URLs.Base
	orgs := func() int {
		var st stateSummary
		e.control("GET", "/state", nil, http.StatusOK, &st)
		return len(st.Orgs)
	}
	before := orgs()
	for i, tt := range []struct {
		name   string
		host   string            // "" keeps the URL's
		header map[string]string // added to the request
		want   int
		msg    string
	}{
		{name: "rebound name", host: "evil.example:" + port, want: 403, msg: "loopback"},
		{name: "name under .localhost", host: "evil.localhost:" + port, want: 403, msg: "loopback"},
		{name: "private address", host: "192.168.1.10:" + port, want: 403, msg: "loopback"},
		{name: "foreign origin", header: map[string]string{"Origin": "https://evil.example"}, want: 403, msg: "another origin"},
		{name: "loopback page on another port", header: map[string]string{"Origin": "http://127.0.0.1:1"}, want: 403, msg: "another origin"},
		{name: "opaque origin", header: map[string]string{"Origin": "null"}, want: 403, msg: "another origin"},
		{name: "cross-site fetch", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403, msg: "cross-site"},
		{name: "same-site fetch", header: map[string]string{"Sec-Fetch-Site": "same-site"}, want: 403, msg: "cross-site"},
		{name: "program", want: 201},
		{name: "localhost", host: "localhost:" + port, want: 201},
		{name: "IPv6 loopback", host: "[::1]:" + port, want: 201},
		{name: "own origin", header: map[string]string{"Origin": own, "Sec-Fetch-Site": "same-origin"}, want: 201},
	} {
		t.Run(tt.name, func(t *testing.T) {
			orgNo := testOrgNos[i]
			body := `{"org_no":"` + orgNo + `","name":"Guard AS","role":"customer"}`
			req, _ := http.NewRequest("POST", e.inst.URLs.Control+"/orgs", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tt.host != "" {
				req.Host = tt.host
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var answer struct{ Error string }
			json.Unmarshal(raw, &answer)
			if resp.StatusCode != tt.want || !strings.Contains(answer.Error, tt.msg) {
				t.Errorf("HTTP %d %s, want %d with %q", resp.StatusCode, raw, tt.want, tt.msg)
			}
			if tt.want == 201 {
				before++
			}
			if n := orgs(); n != before {
				t.Errorf("%d orgs after the request, want %d", n, before)
			}
		})
	}

	// The simulated services answer any Host: the guard is for /sim only.
	req, _ := http.NewRequest("GET", e.inst.URLs.Maskinporten+"/jwk", nil)
	req.Host = "evil.example:" + port
	req.Header.Set("Origin", "https://evil.example")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /maskinporten/jwk with a foreign Host: HTTP %d, want 200", resp.StatusCode)
	}
}

// testOrgNos are valid organisation numbers that the seed does not use.
var testOrgNos = []string{"910000004", "910000012", "910000020", "910000039", "910000047", "910000055",
	"910000063", "910000071", "910000098", "910000101", "910000128", "910000136"}

// A client that trickles its request in is cut off after ReadTimeout
// instead of holding a connection (and a goroutine) for ever.
func TestSlowRequestIsCutOff(t *testing.T) {
	e := newEnv(t, Config{ReadTimeout: 300 * time.Millisecond})
	pool := x509.NewCertPool()
	pool.AddCert(e.inst.CA)
	addr := strings.TrimPrefix(e.inst.URLs.Base, "https://")
	for _, partial := range []string{
		"POST /sim/orgs HTTP/1.1\r\nHost: " + addr + "\r\n",                             // headers never end
		"POST /sim/orgs HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 100\r\n\r\n{", // body never ends
	} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(partial)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		conn.SetReadDeadline(start.Add(5 * time.Second))
		_, err = io.ReadAll(conn)
		conn.Close()
		if took := time.Since(start); err != nil || took > 3*time.Second {
			t.Errorf("%q: connection still open after %v (%v), want it closed after about 300 ms", partial, took.Round(time.Millisecond), err)
		}
	}
}
