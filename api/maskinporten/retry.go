package maskinporten

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 4 * time.Second
	// maxRetryAfter keeps a silly Retry-After from overflowing a Duration.
	maxRetryAfter = 24 * time.Hour
)

// backoff is the wait after the n-th failed attempt (n ≥ 1): base·2^(n−1),
// capped, with "equal jitter" — a random point in the upper half — so
// clients that failed together do not retry together.
func backoff(n int) time.Duration {
	d := backoffMax
	if n <= 4 {
		d = min(backoffBase<<(n-1), backoffMax)
	}
	half := d / 2
	return half + rand.N(half+1)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). A date in the past means "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
