package container

import (
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
	var fwd *signals.Forwarder
	if attached {
		var err error
		if fwd, err = signals.Forward(signals.Forwarded...); err != nil {
			return 0, err
		}
		defer fwd.Stop()
	}
	co := o.CreateOptions
	co.KeepConsole = attached && o.ConsoleSocket == ""
	co.StartNow = true
	created, err := r.Create(id, co)
	if err != nil {
		return 0, err
	}
	c := created.State
	var waitIO func() error
	var restore func()
	if created.Console != nil {
		if fwd != nil {
			if err := fwd.Remove(unix.SIGWINCH); err != nil {
				r.Delete(id, true)
				return 0, err
			}
		}
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
	status := r.forwardAndWait(c.Pid, fwd)
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
// status in the shell's convention. The relay is fwd's C signal handler: the
// main goroutine only blocks in wait4 (no SIGCHLD to catch, no goroutine to
// wake per signal).
func (r *Runtime) forwardAndWait(pid int, fwd *signals.Forwarder) int {
	fwd.To(pid)
	defer fwd.Done()
	for {
		var ws unix.WaitStatus
		wp, err := unix.Wait4(-1, &ws, 0, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			// Not our child (--no-subreaper and a forked init): poll
			// its existence; its status is out of reach.
			for unix.Kill(pid, 0) != unix.ESRCH {
				time.Sleep(250 * time.Millisecond)
			}
			return 0
		case err != nil:
			return 1
		case wp != pid:
			continue // stage 0 of a forked init, or an orphan we adopted
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
	}
}
