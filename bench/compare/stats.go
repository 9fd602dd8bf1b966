package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// Quartiles are the 25th, 50th and 75th percentiles of a sample, and a 95%
// confidence interval of its median.
type Quartiles struct {
	P25    float64 `json:"p25"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	CILow  float64 `json:"median_ci95_low"`
	CIHigh float64 `json:"median_ci95_high"`
}

func quartiles(xs []float64) Quartiles {
	s := slices.Clone(xs)
	slices.Sort(s)
	q := Quartiles{P25: quantile(s, 0.25), Median: quantile(s, 0.5), P75: quantile(s, 0.75)}
	q.CILow, q.CIHigh = medianCI(s)
	return q
}

// medianCI is a distribution-free 95% confidence interval of the median of
// sorted s: the order statistics n/2 ∓ 1.96·√n/2 (normal approximation to
// the binomial). WHY: it says whether a median near a goal is really on
// its side of it, without assuming the times are normally distributed.
func medianCI(s []float64) (lo, hi float64) {
	n := len(s)
	if n == 0 {
		return 0, 0
	}
	half := 0.98 * math.Sqrt(float64(n))
	l := max(int(math.Floor(float64(n)/2-half)), 0)
	h := min(int(math.Ceil(float64(n)/2+half)), n-1)
	return s[l], s[h]
}

// quantile interpolates linearly between the closest ranks of sorted s
// (the usual "type 7" definition, as R and NumPy use by default).
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// Result is what a comparison found; milliseconds throughout.
type Result struct {
	Title    string          `json:"title"`
	Rounds   int             `json:"rounds"`
	Warmup   int             `json:"warmup"`
	Seed     uint64          `json:"seed"`
	Commands []CommandResult `json:"commands"`
}

// CommandResult is one command's figures.
type CommandResult struct {
	Name     string    `json:"name"`
	WallMS   Quartiles `json:"wall_ms"`
	CPUMS    Quartiles `json:"cpu_ms"`
	Faults   Quartiles `json:"minor_faults"`
	Baseline string    `json:"baseline,omitempty"`
	Ratio    Quartiles `json:"ratio,omitzero"` // of per-round wall times, command / baseline
	Goal     float64   `json:"goal,omitempty"`
	Pass     bool      `json:"pass,omitempty"` // the goal is met; false without a goal
}

func summarize(sp *Spec, seed uint64, runs [][]sample) Result {
	res := Result{Title: sp.Title, Rounds: sp.Rounds, Warmup: sp.Warmup, Seed: seed}
	index := map[string]int{}
	for i, c := range sp.Commands {
		index[c.Name] = i
	}
	for i, c := range sp.Commands {
		cr := CommandResult{
			Name:     c.Name,
			WallMS:   quartiles(millis(runs[i], func(s sample) time.Duration { return s.wall })),
			CPUMS:    quartiles(millis(runs[i], func(s sample) time.Duration { return s.cpu })),
			Faults:   quartiles(faults(runs[i])),
			Baseline: c.Baseline,
			Goal:     c.Goal,
		}
		if c.Baseline != "" {
			base := runs[index[c.Baseline]]
			ratios := make([]float64, len(runs[i]))
			for r := range ratios {
				ratios[r] = float64(runs[i][r].wall) / float64(base[r].wall)
			}
			cr.Ratio = quartiles(ratios)
			cr.Pass = c.Goal != 0 && cr.Ratio.Median <= c.Goal
		}
		res.Commands = append(res.Commands, cr)
	}
	return res
}

func millis(ss []sample, f func(sample) time.Duration) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = float64(f(s)) / float64(time.Millisecond)
	}
	return out
}

func faults(ss []sample) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = float64(s.faults)
	}
	return out
}

func printTable(w io.Writer, res Result) {
	fmt.Fprintf(w, "== %s\n%d rounds after %d warm-up, order shuffled each round (seed %d)\n\n",
		res.Title, res.Rounds, res.Warmup, res.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "command\twall median\tp25\tp75\tCPU median\tfaults\tratio to\tratio median\t95% CI\tp25\tp75\tgoal\t\t")
	for _, c := range res.Commands {
		fmt.Fprintf(tw, "%s\t%.1f ms\t%.1f\t%.1f\t%.1f ms\t%.0f\t", c.Name, c.WallMS.Median, c.WallMS.P25, c.WallMS.P75, c.CPUMS.Median, c.Faults.Median)
		if c.Baseline == "" {
			fmt.Fprint(tw, "\t\t\t\t\t\t\t\n")
			continue
		}
		fmt.Fprintf(tw, "%s\t%.3f×\t%.3f–%.3f\t%.3f\t%.3f\t", c.Baseline, c.Ratio.Median, c.Ratio.CILow, c.Ratio.CIHigh, c.Ratio.P25, c.Ratio.P75)
		switch {
		case c.Goal == 0:
			fmt.Fprint(tw, "\t\t\n")
		case c.Pass:
			fmt.Fprintf(tw, "≤ %.2f×\tPASS\t\n", c.Goal)
		default:
			fmt.Fprintf(tw, "≤ %.2f×\tFAIL\t\n", c.Goal)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
}
