package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Spec describes one comparison.
type Spec struct {
	Title    string    `json:"title"`
	Rounds   int       `json:"rounds"`
	Warmup   int       `json:"warmup"`
	Commands []Command `json:"commands"`
}

// Command is one program to time.
type Command struct {
	Name            string            `json:"name"`
	Argv            []string          `json:"argv"`
	Env             map[string]string `json:"env,omitempty"`
	Pre             []string          `json:"pre,omitempty"`
	SameOutputAsPre bool              `json:"same_output_as_pre,omitempty"`
	Baseline        string            `json:"baseline,omitempty"` // name of the command this one is divided by
	Goal            float64           `json:"goal,omitempty"`     // the median ratio must be at most this
}

func loadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sp Spec
	if err := json.Unmarshal(data, &sp); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &sp, sp.check()
}

func (sp *Spec) check() error {
	if sp.Rounds < 1 {
		return fmt.Errorf("spec %q: rounds must be at least 1", sp.Title)
	}
	if len(sp.Commands) == 0 {
		return fmt.Errorf("spec %q has no commands", sp.Title)
	}
	if sp.Warmup < 0 {
		return fmt.Errorf("spec %q: warmup is negative", sp.Title)
	}
	var names []string
	for _, c := range sp.Commands {
		switch {
		case c.Name == "" || slices.Contains(names, c.Name):
			return fmt.Errorf("spec %q: command names must be present and unique (%q)", sp.Title, c.Name)
		case len(c.Argv) == 0:
			return fmt.Errorf("spec %q: command %q has no argv", sp.Title, c.Name)
		case c.SameOutputAsPre && len(c.Pre) == 0:
			return fmt.Errorf("spec %q: command %q: same_output_as_pre needs pre", sp.Title, c.Name)
		case c.Goal != 0 && c.Baseline == "":
			return fmt.Errorf("spec %q: command %q has a goal but no baseline", sp.Title, c.Name)
		}
		names = append(names, c.Name)
	}
	for _, c := range sp.Commands {
		if c.Baseline != "" && (!slices.Contains(names, c.Baseline) || c.Baseline == c.Name) {
			return fmt.Errorf("spec %q: command %q: baseline %q is not another command of the spec", sp.Title, c.Name, c.Baseline)
		}
	}
	return nil
}
