package container

import (
	"errors"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/console"
	"github.com/hull-runtime/hull/internal/signals"
)

// RunOptions are run's flags beyond create's.
type RunOptions struct {
	CreateOptions
	Detach      bool
	Keep        bool
	NoSubreaper bool
}

// Run creates and starts a container. Detached, it returns 0 at once;
// attached, it forwards signals to the init, reaps as a subreaper and returns
// the container's exit status (128+N when killed by signal N), then deletes
// the container unless Keep.
func (r *Runtime) Run(id string, o RunOptions) (int, error) {
	attached := !o.Detach
	if attached && !o.NoSubreaper {
		// The init may be a grandchild (forked by nsenter for a pid
		// namespace): as a subreaper hull still reaps it.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return 0, err
		}
	}
	// Catch signals before the container exists so none is lost.
	sigs := make(chan os.Signal, 128)
	if attached {
		signal.Notify(sigs, signals.Forwarded...)
		defer signal.Stop(sigs)
	}
	co := o.CreateOptions
	co.KeepConsole = attached && o.ConsoleSocket == ""
	created, err := r.Create(id, co)
	if err != nil {
		return 0, err
	}
	c := created.State
	var waitIO func() error
	var restore func()
	if created.Console != nil {
		waitIO, restore, err = console.Attach(created.Console)
		if err != nil {
			r.Delete(id, true)
			return 0, err
		}
		defer restore()
	}
	if err := r.start(c); err != nil {
		r.Delete(id, true)
		return 0, err
	}
	if !attached {
		return 0, nil
	}
	status := r.forwardAndWait(c.Pid, sigs)
	if waitIO != nil {
		waitIO()
	}
	if !o.Keep {
		if err := r.Delete(id, true); err != nil {
			return status, err
		}
	}
	return status, nil
}

// forwardAndWait relays signals to pid until it exits and returns its
// status in the shell's convention.
func (r *Runtime) forwardAndWait(pid int, sigs chan os.Signal) int {
	for {
		if st, done := reap(pid); done {
			return st
		}
		var s os.Signal
		select {
		case s = <-sigs:
		case <-time.After(250 * time.Millisecond):
			// No SIGCHLD comes for an init that is not our child
			// (--no-subreaper with a forked init): look again.
			continue
		}
		sig, ok := s.(unix.Signal)
		if !ok || sig == unix.SIGCHLD || sig == unix.SIGURG || sig == unix.SIGPIPE {
			continue
		}
		if err := unix.Kill(pid, sig); errors.Is(err, unix.ESRCH) {
			continue
		}
	}
}

// reap collects exited children without blocking; it reports pid's status
// when pid is among them.
func reap(pid int) (int, bool) {
	for {
		var ws unix.WaitStatus
		wp, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || wp <= 0 {
			if errors.Is(err, unix.ECHILD) {
				// Not our child (--no-subreaper and a forked init):
				// fall back to polling its existence.
				if unix.Kill(pid, 0) == unix.ESRCH {
					return 0, true
				}
			}
			return 0, false
		}
		if wp != pid {
			continue
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus(), true
		case ws.Signaled():
			return 128 + int(ws.Signal()), true
		}
	}
}
