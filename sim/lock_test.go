package sim

import (
	"path/filepath"
	"strings"
	"testing"
)

// One exclusive simulator owns a state; a second is refused with the first
// one named, until the first stops. Simulators that share (the embedded
// sandbox) are not affected.
func TestExclusiveSimulator(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	start := func(exclusive bool) (*Instance, error) {
		s, err := New(Config{StatePath: state, Exclusive: exclusive})
		if err != nil {
			t.Fatal(err)
		}
		return s.Start("127.0.0.1:0", false)
	}
	first, err := start(true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = start(true)
	for _, want := range []string{"another simulator", "serving " + first.URLs.Base, state + ".owner"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("second simulator: err = %v, want it to contain %q", err, want)
		}
	}
	shared, err := start(false)
	if err != nil {
		t.Fatalf("a sharing simulator is refused: %v", err)
	}
	shared.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := start(true)
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again.Close()
}
