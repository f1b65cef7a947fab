package procfs

import (
	"time"

	"golang.org/x/sys/unix"
)

// WaitGone waits up to timeout for the process pid, started at startTime
// (0: whatever runs as pid), to be gone (exited, a zombie counts), and
// reports whether it is. A process that is hull's child is reaped.
//
// It sleeps in poll(2) on a pidfd (Linux 5.3), which the kernel wakes as the
// process exits: a polling loop woke every millisecond, made the Go runtime
// start its poller for the timer, and answered up to a millisecond late.
func WaitGone(pid int, startTime uint64, timeout time.Duration) bool {
	if !Alive(pid, startTime) {
		reap(pid)
		return true
	}
	deadline := time.Now().Add(timeout)
	fd, err := unix.PidfdOpen(pid, 0)
	if err == nil {
		defer unix.Close(fd)
		// The pid may have been reused between the check and the open:
		// the start time says whether fd is the process we wait for.
		for Alive(pid, startTime) {
			left := time.Until(deadline)
			if left <= 0 {
				return false
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
				break // fall back to polling below
			}
			reap(pid)
		}
	}
	for Alive(pid, startTime) {
		if time.Now().After(deadline) {
			return false
		}
		reap(pid)
		time.Sleep(time.Millisecond)
	}
	reap(pid)
	return true
}

// reap collects pid if it is an exited child of hull; otherwise nothing.
func reap(pid int) {
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, unix.WNOHANG, nil)
}
