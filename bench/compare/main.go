// Command compare times cold processes against each other. It runs every
// command of a spec once per round, in a fresh random order each round so
// that drift (thermal, other load, caches) hits all of them alike, and
// reports for each command the median of its per-round ratios to its
// baseline. WHY per-round ratios: two runs taken moments apart share the
// machine's state, so their ratio is far steadier than a ratio of medians
// taken minutes apart. Each command's wall time, CPU time (user + system)
// and minor page faults are reported too, as median and quartiles.
//
// Usage:
//
//	compare -spec spec.json [-rounds N] [-warmup N] [-seed N] [-json out.json] [-summary file]
//
// The spec:
//
//	{"title": "...", "rounds": 100, "warmup": 5,
//	 "commands": [
//	   {"name": "floor", "argv": ["/tmp/floor", "-scope", "s"]},
//	   {"name": "token", "argv": ["/tmp/systembruker", "token"], "env": {"K": "V"},
//	    "baseline": "floor", "goal": 1.10},
//	   {"name": "hit", "argv": [...], "pre": [...], "same_output_as_pre": true,
//	    "baseline": "floor", "goal": 0.3}]}
//
// env adds to (or overrides) the driver's environment. pre runs untimed
// before every timed run of its command (to prime or wipe a cache);
// same_output_as_pre makes a run whose standard output differs from pre's a
// failure, which proves a cache hit really was one. Any failed run stops the
// benchmark: a figure from a failing command means nothing.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	specPath := flag.String("spec", "", "benchmark spec (JSON)")
	rounds := flag.Int("rounds", 0, "measured rounds (overrides the spec)")
	warmup := flag.Int("warmup", -1, "discarded warm-up rounds (overrides the spec)")
	seed := flag.Uint64("seed", 0, "seed for the order of each round (0: from the clock)")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	summary := flag.String("summary", "", "append one PASS/FAIL line per goal to this file")
	flag.Parse()
	if err := run(*specPath, *rounds, *warmup, *seed, *jsonOut, *summary); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(specPath string, rounds, warmup int, seed uint64, jsonOut, summary string) error {
	if specPath == "" {
		return fmt.Errorf("-spec is required")
	}
	sp, err := loadSpec(specPath)
	if err != nil {
		return err
	}
	if rounds > 0 {
		sp.Rounds = rounds
	}
	if warmup >= 0 {
		sp.Warmup = warmup
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	runs, err := measure(sp, rand.New(rand.NewPCG(seed, seed>>32|1)))
	if err != nil {
		return err
	}
	res := summarize(sp, seed, runs)
	printTable(os.Stdout, res)
	if jsonOut != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if summary != "" {
		f, err := os.OpenFile(summary, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		printGoals(f, res)
		return f.Close()
	}
	return nil
}

// printGoals writes one line per goal, for run.sh's final summary.
func printGoals(w io.Writer, res Result) {
	for _, c := range res.Commands {
		if c.Goal == 0 {
			continue
		}
		verdict := "PASS"
		if !c.Pass {
			verdict = "FAIL"
		}
		note := ""
		if c.Ratio.CILow <= c.Goal && c.Goal <= c.Ratio.CIHigh {
			note = " — not settled: the 95% CI spans the goal, run more rounds"
		}
		fmt.Fprintf(w, "%s  %s / %s = %.3f× (95%% CI %.3f–%.3f, p25 %.3f, p75 %.3f), goal ≤ %.2f×%s  [%s]\n",
			verdict, c.Name, c.Baseline, c.Ratio.Median, c.Ratio.CILow, c.Ratio.CIHigh, c.Ratio.P25, c.Ratio.P75, c.Goal, note, res.Title)
	}
}
