package container

import (
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
	co.StartNow = true
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
//
// The main goroutine blocks in wait4 and a second one relays what arrives on
// sigs: no SIGCHLD to catch, no timer, no goroutine hand-off per child
// exit (each is a thread wake-up in the Go scheduler).
func (r *Runtime) forwardAndWait(pid int, sigs chan os.Signal) int {
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				sig, ok := s.(unix.Signal)
				if !ok || sig == unix.SIGCHLD || sig == unix.SIGURG || sig == unix.SIGPIPE {
					continue
				}
				unix.Kill(pid, sig)
			}
		}
	}()
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
