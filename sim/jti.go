package sim

import (
	"sync"
	"time"
)

// jtiRetention is how long a grant's jti is remembered after the grant's
// exp. Longer than any accepted grant lifetime plus skew, so a replay can
// never slip through after the entry is forgotten.
const jtiRetention = 180 * time.Second

// jtiCache remembers used grant ids (per client) to refuse replays.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // client_id + "\x00" + jti -> forget after
}

func newJTICache() *jtiCache { return &jtiCache{seen: map[string]time.Time{}} }

// use records the jti and reports whether it was fresh.
func (c *jtiCache) use(clientID, jti string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, until := range c.seen {
		if now.After(until) {
			delete(c.seen, k)
		}
	}
	key := clientID + "\x00" + jti
	if _, ok := c.seen[key]; ok {
		return false
	}
	until := exp.Add(jtiRetention)
	if floor := now.Add(jtiRetention); until.Before(floor) {
		until = floor
	}
	c.seen[key] = until
	return true
}
