//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// usage is the user plus system time and the minor page faults of the
// finished process.
func usage(ps *os.ProcessState) (time.Duration, int64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime(), 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt
}
