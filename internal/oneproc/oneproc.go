// Package oneproc gives the hull command one P (GOMAXPROCS=1) and one CPU
// from the runtime's start (the CPU: cpus.go and oneproc_amd64.c). The P: hull's ELF entry point adds GOMAXPROCS=1 to the
// environment the runtime reads (oneproc_amd64.c). Where it cannot (the
// caller set GOMAXPROCS, another architecture, no cgo), this package's init
// sets it, early: it depends on nothing of hull's and only on os and the
// runtime, so it runs before nearly all other package initialisation
// allocates. The init also takes the added variable out of the environment
// (Go's and libc's) before anything starts a process.
//
// The CLI's goroutines (the set-up thread's included) take turns and never
// need to run in parallel. A second P gets its own cache, holding a span per
// size class it allocates from: in `create` that was 260 KB more touched heap
// (docs/performance.md, fifth round), and starting with two Ps cost a thread
// and a stop of the world (seventh round, item 29). Explicit, it also stops
// Go's cgroup-aware GOMAXPROCS updates, which the CLI's milliseconds of life
// never need.
package oneproc

import (
	"os"
	"runtime"
)

func init() {
	if injected() {
		// The runtime has read it; hull's children must not inherit it.
		os.Unsetenv("GOMAXPROCS")
	}
	runtime.GOMAXPROCS(1)
}

// AtLeast raises GOMAXPROCS to n for a command about to wait in a blocking
// syscall (wait4, waitid) while goroutines of its own must run meanwhile:
// pipe copiers of a hook, a terminal's relay. With one P they would get it
// only when the runtime's sysmon takes it from the waiting thread, and in
// hull sysmon starts late and sleeps coarsely (internal/sysmontick). It
// stops the world once; n Ps on hull's one CPU run by turns, as needed.
func AtLeast(n int) {
	if runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}
