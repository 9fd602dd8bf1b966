package main

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	tests := []struct {
		s    []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 0.5, 5},
		{[]float64{1, 2, 3, 4}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4, 5}, 0.25, 2},
		{[]float64{1, 2, 3, 4}, 0.25, 1.75},
		{[]float64{1, 2, 3, 4}, 0.75, 3.25},
		{[]float64{1, 2, 3, 4}, 1, 4},
		{nil, 0.5, 0},
	}
	for _, tt := range tests {
		if got := quantile(tt.s, tt.q); got != tt.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", tt.s, tt.q, got, tt.want)
		}
	}
}

func TestMedianCI(t *testing.T) {
	s := make([]float64, 100)
	for i := range s {
		s[i] = float64(i)
	}
	// n = 100: ranks 50 ∓ 9.8, i.e. 40 and 60.
	if lo, hi := medianCI(s); lo != 40 || hi != 60 {
		t.Errorf("medianCI(0..99) = %v, %v; want 40, 60", lo, hi)
	}
	if lo, hi := medianCI([]float64{7}); lo != 7 || hi != 7 {
		t.Errorf("medianCI([7]) = %v, %v; want 7, 7", lo, hi)
	}
}

// TestRatiosArePerRound: the ratio is taken within each round, so a drift
// that slows both commands alike leaves it unchanged, and the goal is
// judged on the median ratio.
func TestRatiosArePerRound(t *testing.T) {
	sp := &Spec{Rounds: 3, Commands: []Command{
		{Name: "floor"},
		{Name: "tool", Baseline: "floor", Goal: 1.1},
		{Name: "slow", Baseline: "floor", Goal: 1.1},
	}}
	ms := func(n int) sample { return sample{wall: time.Duration(n) * time.Millisecond} }
	runs := [][]sample{
		{ms(10), ms(20), ms(40)},
		{ms(10), ms(21), ms(44)},
		{ms(12), ms(24), ms(48)},
	}
	res := summarize(sp, 1, runs)
	tool, slow := res.Commands[1], res.Commands[2]
	if tool.Ratio.Median != 1.05 || !tool.Pass {
		t.Errorf("tool: median ratio %v pass %v, want 1.05 and PASS", tool.Ratio.Median, tool.Pass)
	}
	if slow.Ratio.Median != 1.2 || slow.Pass {
		t.Errorf("slow: median ratio %v pass %v, want 1.2 and FAIL", slow.Ratio.Median, slow.Pass)
	}
	if res.Commands[0].WallMS.Median != 20 {
		t.Errorf("floor median wall %v ms, want 20", res.Commands[0].WallMS.Median)
	}
}
