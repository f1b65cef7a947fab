// Package sysmontick gives the Go runtime's sysmon thread a coarse timer
// slack, so that it wakes about every 10 ms instead of every 70 us through
// a command's short life; every other thread, and every process
// hull starts, keeps the slack hull was started with. See sysmontick.c.
// Importing it (for its side effect) is all the command needs.
package sysmontick

// #cgo CFLAGS: -Wall -O2
// #cgo LDFLAGS: -Wl,--wrap=pthread_create
// unsigned long hull_sysmon_slack(void);
// unsigned long hull_process_slack(void);
// long hull_sysmon_delay(void);
// long hull_sysmon_waited(void);
import "C"

import "time"

// SysmonDelay is how long sysmon's thread sleeps before sysmon starts.
func SysmonDelay() time.Duration { return time.Duration(C.hull_sysmon_delay()) }

// SysmonWaited is how long sysmon's thread slept before sysmon started, or
// -1 while it still sleeps.
func SysmonWaited() time.Duration {
	w := C.hull_sysmon_waited()
	if w < 0 {
		return -1
	}
	return time.Duration(w)
}

// SysmonSlack is the timer slack, in ns, sysmon's thread is created with.
func SysmonSlack() uint64 { return uint64(C.hull_sysmon_slack()) }

// ProcessSlack is the main thread's slack when the runtime created sysmon,
// which every other thread is created with; 0 before then.
func ProcessSlack() uint64 { return uint64(C.hull_process_slack()) }
