package main

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel tears a network namespace down after its last process is gone,
// in a work queue (cleanup_net), holding the RTNL mutex that making one
// needs too (setup_net). Twenty containers deleted just before a batch were
// still being torn down when the next runtime's creates began: their
// unshare(CLONE_NEWNET) waited 15-42 ms each (bpftrace of the syscall's
// entry and exit), and which runtime paid for it was chance. So a batch
// starts only once making a namespace is fast again.
const (
	settleFast  = 2 * time.Millisecond // an uncontended unshare(CLONE_NEWNET) takes about 0.5 ms here
	settleGap   = 20 * time.Millisecond
	settleLimit = 3 * time.Second
)

// settleNetns waits until two probes in a row make a network namespace in
// less than settleFast, or settleLimit has passed. It reports how long it
// waited.
func settleNetns() time.Duration {
	t0 := time.Now()
	for fast := 0; fast < 2 && time.Since(t0) < settleLimit; {
		d, err := probeNetns()
		if err != nil {
			return time.Since(t0) // no namespaces here: nothing to wait for
		}
		if d < settleFast {
			fast++
		} else {
			fast = 0
		}
		time.Sleep(settleGap)
	}
	return time.Since(t0)
}

// probeNetns times unshare(CLONE_NEWNET) on a thread of its own, which the
// runtime ends with the goroutine (it stays locked), namespace and all.
func probeNetns() (time.Duration, error) {
	type result struct {
		d   time.Duration
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		t := time.Now()
		err := unix.Unshare(unix.CLONE_NEWNET)
		ch <- result{time.Since(t), err}
	}()
	r := <-ch
	return r.d, r.err
}
