package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var cases = []struct {
	name, in, line, text string
}{
	{"plain", "Acme AS – ærlig", "Acme AS – ærlig", "Acme AS – ærlig"},
	{"colour", "\x1b[31mred\x1b[0m", "red", "red"},
	{"clear screen", "a\x1b[2J\x1b[Hb", "ab", "ab"},
	{"private CSI", "a\x1b[?1049hb", "ab", "ab"},
	{"OSC 8 link", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click", "click"},
	{"title BEL", "\x1b]0;pwned\x07ok", "ok", "ok"},
	{"OSC unterminated", "ok\x1b]0;title to the end", "ok", "ok"},
	{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab", "ab"},
	{"APC", "a\x1b_payload\x1b\\b", "ab", "ab"},
	{"charset", "a\x1b(Bb", "ab", "ab"},
	{"reset", "a\x1bcb", "ab", "ab"},
	{"lone ESC", "a\x1b", "a", "a"},
	{"C1 CSI", "a\u009b31mb", "ab", "ab"},
	{"C1 OSC", "a\u009d0;t\u009cb", "ab", "ab"},
	{"other C1", "a\u0085b", "ab", "ab"},
	{"fake line", "name\r\nOK: all keys verified", "name OK: all keys verified", "name\nOK: all keys verified"},
	{"lone CR overwrites", "secret\rpublic", "secret public", "secret\npublic"},
	{"tab", "a\tb", "a b", "a\tb"},
	{"bell and backspace", "a\x07\x08b\x7f", "ab", "ab"},
	{"bidi override", "invoice\u202efdp.exe", "invoicefdp.exe", "invoicefdp.exe"},
	{"line separator", "a\u2028b", "a b", "a\nb"},
	{"invalid UTF-8", "a\xff\x9bb", "a\ufffd\ufffdb", "a\ufffd\ufffdb"},
}

func TestLineAndText(t *testing.T) {
	for _, tc := range cases {
		if got := Line(tc.in); got != tc.line {
			t.Errorf("%s: Line(%q) = %q, want %q", tc.name, tc.in, got, tc.line)
		}
		if got := Text(tc.in); got != tc.text {
			t.Errorf("%s: Text(%q) = %q, want %q", tc.name, tc.in, got, tc.text)
		}
	}
}

func TestFirstControl(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want rune
		bad  bool
	}{
		{"Acme AS", 0, false},
		{"Acme\x1b[2J", 0x1b, true},
		{"line\nbreak", '\n', true},
		{"c1\u009b", 0x9b, true},
		{"rlo\u202e", 0x202e, true},
		{"bad\xff", utf8.RuneError, true},
	} {
		if r, bad := FirstControl(tc.in); r != tc.want || bad != tc.bad {
			t.Errorf("FirstControl(%q) = %U, %v; want %U, %v", tc.in, r, bad, tc.want, tc.bad)
		}
	}
}

func TestJSON(t *testing.T) {
	v := map[string]string{"name": "a\u009b2Jb\u202ec\x1b[31m\x7f"}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(raw)
	if want := `{"name":"a\u009b2Jb\u202ec\u001b[31m\u007f"}`; string(got) != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != v["name"] {
		t.Errorf("JSON changed the value: %q, %v", back["name"], err)
	}
	plain := []byte("{\n  \"a\": \"ærlig\"\n}\n")
	if got := JSON(plain); &got[0] != &plain[0] {
		t.Errorf("JSON copied text that needed nothing: %q", got)
	}
}

// checkSafe is the promise: no escape, no control but the allowed ones, no
// C1, no bidirectional override, valid UTF-8.
func checkSafe(t *testing.T, in, out string, allowed string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%q → %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if unsafe(r) && !strings.ContainsRune(allowed, r) {
			t.Fatalf("%q → %q: contains %U", in, out, r)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.in)
	}
	f.Add("\x1b[")
	f.Add("\x1b]8;;")
	f.Add("\u009b")
	f.Add("\x1b\x1b[31m")
	f.Fuzz(func(t *testing.T, s string) {
		line, text := Line(s), Text(s)
		checkSafe(t, s, line, "")
		checkSafe(t, s, text, "\n\t")
		if Line(line) != line || Text(text) != text {
			t.Fatalf("%q: cleaning twice changes the result", s)
		}
		if _, bad := FirstControl(s); !bad && (line != s || text != s) {
			t.Fatalf("%q: text without controls was changed", s)
		}
		if _, bad := FirstControl(line); bad {
			t.Fatalf("%q → %q: FirstControl disagrees with Line", s, line)
		}
		raw, _ := json.Marshal(s)
		out := JSON(raw)
		var want, back string
		json.Unmarshal(raw, &want)
		if err := json.Unmarshal(out, &back); err != nil || back != want {
			t.Fatalf("%q: JSON changed the value to %q (%v)", s, back, err)
		}
		checkSafe(t, s, string(out), "")
	})
}
