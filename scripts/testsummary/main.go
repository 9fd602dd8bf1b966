// Command testsummary reads `go test -json` on stdin, prints what plain
// `go test` would (each package's result line, and the whole output of
// every failed test and of a package that failed to build or crashed), and
// ends with one line counting the tests: "N passed, N failed, N skipped".
// -failed names checks that failed before the tests ran (gofmt, go vet):
// each is shown and counted as a failure, so the closing line tells the
// whole story. It exits 1 when anything failed. scripts/test-in-session.sh
// uses it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	checks := flag.String("failed", "", "comma-separated checks that failed before the tests")
	flag.Parse()
	var failedChecks []string
	if *checks != "" {
		failedChecks = strings.Split(*checks, ",")
	}
	failed, err := summarise(os.Stdin, os.Stdout, failedChecks)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json), including the build
// events that go test adds (build-output, build-fail).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

// pkg collects one package's output until its result is known.
type pkg struct {
	lines  []line
	result map[string]string // test → pass, fail or skip
}

type line struct{ test, text string }

type counts struct{ passed, failed, skipped int }

// summarise copies the readable part of in to out, then the count line, and
// reports whether a check, a test, a package or a build failed.
func summarise(in io.Reader, out io.Writer, failedChecks []string) (bool, error) {
	pkgs := map[string]*pkg{}
	get := func(name string) *pkg {
		if pkgs[name] == nil {
			pkgs[name] = &pkg{result: map[string]string{}}
		}
		return pkgs[name]
	}
	var c counts
	broken := false
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event: go test's own complaints (bad flags) come as text.
			fmt.Fprintln(out, sc.Text())
			continue
		}
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
		case "build-fail":
			broken = true
		case "output":
			p := get(e.Package)
			p.lines = append(p.lines, line{e.Test, e.Output})
		case "pass", "fail", "skip":
			if e.Test != "" {
				get(e.Package).result[e.Test] = e.Action
				c.add(e.Action)
				continue
			}
			if e.Action == "fail" && !get(e.Package).anyFailed() {
				// A build failure, a crash or a timeout outside any test.
				c.failed++
			}
			broken = broken || e.Action == "fail"
			get(e.Package).print(out, e.Action == "fail")
			delete(pkgs, e.Package)
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	for _, name := range failedChecks {
		fmt.Fprintf(out, "FAIL\t%s (see above)\n", name)
		c.failed++
	}
	fmt.Fprintf(out, "%d passed, %d failed", c.passed, c.failed)
	if c.skipped > 0 {
		fmt.Fprintf(out, ", %d skipped", c.skipped)
	}
	fmt.Fprintln(out)
	return broken || c.failed > 0, nil
}

func (c *counts) add(action string) {
	switch action {
	case "pass":
		c.passed++
	case "fail":
		c.failed++
	case "skip":
		c.skipped++
	}
}

func (p *pkg) anyFailed() bool {
	for _, r := range p.result {
		if r == "fail" {
			return true
		}
	}
	return false
}

// print writes what plain go test shows: in a failed package, each failed
// test with its "--- FAIL" line first and its failed subtests nested under
// it (tests that never ended, from a panic or a timeout, as they are), then
// the package's own lines.
func (p *pkg) print(out io.Writer, failed bool) {
	if failed {
		var order []string
		own := map[string][]string{}
		head := map[string]string{}
		for _, l := range p.lines {
			switch {
			case l.test == "", strings.HasPrefix(l.text, "=== "):
				continue
			case strings.HasPrefix(l.text, "--- "):
				head[l.test] = l.text
			default:
				own[l.test] = append(own[l.test], l.text)
			}
			if !slices.Contains(order, l.test) {
				order = append(order, l.test)
			}
		}
		var show func(test, indent string)
		show = func(test, indent string) {
			fmt.Fprint(out, indent+head[test])
			for _, t := range own[test] {
				fmt.Fprint(out, indent+t)
			}
			for _, sub := range order {
				rest, ok := strings.CutPrefix(sub, test+"/")
				if ok && !strings.Contains(rest, "/") && p.failed(sub) {
					show(sub, indent+"    ")
				}
			}
		}
		for _, t := range order {
			if !strings.Contains(t, "/") && p.failed(t) {
				show(t, "")
			}
		}
	}
	for _, l := range p.lines {
		if l.test == "" && l.text != "PASS\n" {
			fmt.Fprint(out, l.text)
		}
	}
}

// failed reports whether a test failed or never ended.
func (p *pkg) failed(test string) bool {
	r := p.result[test]
	return r == "fail" || r == ""
}
