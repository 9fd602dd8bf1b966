//go:build !unix

package main

import (
	"os"
	"time"
)

// usage is the user plus system time of the finished process; page faults
// are reported as 0 where there is no rusage.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	return ps.UserTime() + ps.SystemTime(), 0
}
