package crash

import "testing"

func TestPass(t *testing.T) {}

func TestCrash(t *testing.T) { panic("boom") }
