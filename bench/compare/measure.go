package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"time"
)

// sample is one timed run.
type sample struct {
	wall, cpu time.Duration
	faults    int64 // minor page faults: a large binary or heap shows here
}

// measure runs sp's warm-up and measured rounds. runs[i][r] is command i's
// sample in measured round r.
func measure(sp *Spec, rng *rand.Rand) ([][]sample, error) {
	runs := make([][]sample, len(sp.Commands))
	order := make([]int, len(sp.Commands))
	for i := range order {
		order[i] = i
	}
	for r := range sp.Warmup + sp.Rounds {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			s, err := runOnce(sp.Commands[i])
			if err != nil {
				return nil, err
			}
			if r >= sp.Warmup {
				runs[i] = append(runs[i], s)
			}
		}
	}
	return runs, nil
}

// runOnce runs c's pre step, then times c from process start to exit.
func runOnce(c Command) (sample, error) {
	env := environ(c.Env)
	var preOut []byte
	if len(c.Pre) > 0 {
		out, err := execute(c.Pre, env)
		if err != nil {
			return sample{}, fmt.Errorf("%s: pre step %q: %w", c.Name, strings.Join(c.Pre, " "), err)
		}
		preOut = out
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w\n%s", c.Name, err, stderr.Bytes())
	}
	if c.SameOutputAsPre && !bytes.Equal(stdout.Bytes(), preOut) {
		return sample{}, fmt.Errorf("%s: its output differs from the pre step's, so it was not served from the cache", c.Name)
	}
	cpu, faults := usage(cmd.ProcessState)
	return sample{wall: wall, cpu: cpu, faults: faults}, nil
}

func execute(argv []string, env []string) ([]byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, stderr.Bytes())
	}
	return out, nil
}

// environ is the driver's environment with extra added or overriding.
func environ(extra map[string]string) []string {
	env := os.Environ()
	for k, v := range extra {
		env = append(env, k+"="+v) // exec keeps the last value of a duplicate
	}
	return env
}
