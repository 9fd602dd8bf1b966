package good

import "testing"

func TestPass(t *testing.T) { t.Log("quiet when it passes") }

func TestSkip(t *testing.T) { t.Skip("not here") }

func TestSubtests(t *testing.T) {
	t.Run("a", func(t *testing.T) {})
	t.Run("b", func(t *testing.T) {})
}
