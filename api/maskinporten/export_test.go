package maskinporten

import (
	"context"
	"time"
)

// SetSleep lets the external tests (sim_test.go) record retry waits instead
// of sleeping.
func (c *Client) SetSleep(f func(context.Context, time.Duration) error) { c.sleep = f }
