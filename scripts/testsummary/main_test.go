package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// goTestJSON runs the real `go test -json` on packages of testdata/mod.
func goTestJSON(t *testing.T, pkgs ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"test", "-json", "-count=1"}, pkgs...)...)
	cmd.Dir = "testdata/mod"
	cmd.Env = append(cmd.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, _ := cmd.Output() // it fails when a test fails; the events say so
	return out
}

func TestSummarise(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pkgs       []string
		checks     []string
		last       string
		failed     bool
		shows, not []string
	}{
		{"all pass", []string{"./good"}, nil, "4 passed, 0 failed, 1 skipped", false,
			[]string{"ok  \texample.com/mod/good"}, []string{"quiet when it passes", "=== RUN", "PASS\n"}},
		{"a test fails", []string{"./good", "./bad"}, nil, "6 passed, 3 failed, 1 skipped", true,
			[]string{"--- FAIL: TestFail (", "\n    bad_test.go:7: the reason it failed\n",
				"--- FAIL: TestSubFail (", "\n    --- FAIL: TestSubFail/broken (",
				"\n        bad_test.go:11: the subtest's reason\n", "FAIL\texample.com/mod/bad"},
			[]string{"quiet when it passes", "=== RUN"}},
		{"a test panics", []string{"./crash"}, nil, "1 passed, 1 failed", true,
			[]string{"panic: boom", "FAIL\texample.com/mod/crash"}, nil},
		{"go vet failed before", []string{"./good"}, []string{"go vet"}, "4 passed, 1 failed, 1 skipped", true,
			[]string{"FAIL\tgo vet (see above)\n"}, nil},
		{"the build breaks", []string{"./good", "./broken"}, nil, "4 passed, 1 failed, 1 skipped", true,
			[]string{"undefined: undefined", "FAIL\texample.com/mod/broken [build failed]"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			failed, err := summarise(bytes.NewReader(goTestJSON(t, tc.pkgs...)), &out, tc.checks)
			if err != nil {
				t.Fatal(err)
			}
			text := out.String()
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if got := lines[len(lines)-1]; got != tc.last {
				t.Errorf("last line %q, want %q\n%s", got, tc.last, text)
			}
			if failed != tc.failed {
				t.Errorf("failed = %v, want %v", failed, tc.failed)
			}
			for _, s := range tc.shows {
				if !strings.Contains(text, s) {
					t.Errorf("output lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(text, s) {
					t.Errorf("output has %q:\n%s", s, text)
				}
			}
		})
	}
}
