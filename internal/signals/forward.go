package signals

// #cgo CFLAGS: -Wall -O2
// #include "forward.h"
import "C"

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// A Forwarder relays signals that reach hull to the process a foreground
// `run` or `exec` waits on. The relay is a C signal handler that sends each
// signal on with pidfd_send_signal(2) from inside the handler.
//
// Why not os/signal: signal.Notify enables each signal with a round trip to
// the runtime's signal-mask goroutine, which is locked to its own OS thread,
// and every caught signal is another hand-off to the goroutine that relays
// it. Those thread wake-ups cost 7 % of a `run` and 15 % of an `exec`
// (bench, interleaved, n=60); a sigaction is one syscall. The Go runtime
// allows handlers installed by C code as long as they use SA_ONSTACK, and a
// forked child gets default handlers back before exec (clearSignalHandlers
// resets every signal the runtime handled at start, which includes these).
//
// The handler keeps a signal that arrives before To is called and sends it
// then, so nothing sent to hull between start-up and the process's creation
// is lost. One Forwarder exists at a time: the C state is process-wide.
type Forwarder struct {
	pidfd int
}

var forwarderMu sync.Mutex

// Forward installs the relay for sigs. Until To, caught signals are kept.
// Stop must be called to put the previous handlers back.
func Forward(sigs ...unix.Signal) (*Forwarder, error) {
	if !forwarderMu.TryLock() {
		return nil, fmt.Errorf("signal forwarder already active")
	}
	f := &Forwarder{pidfd: -1}
	if err := f.Add(sigs...); err != nil {
		f.Stop()
		return nil, err
	}
	return f, nil
}

// Remove gives sig back to the Go runtime (dropping it if it is pending),
// e.g. SIGWINCH when hull holds the container's terminal and resizes it.
//
// Why not leave it installed and call signal.Notify: the runtime installed
// its own handler for every signal at start-up and, believing it is still
// there, Notify would not install it again.
func (f *Forwarder) Remove(sig unix.Signal) error {
	if rc := C.hull_fwd_uninstall(C.int(sig)); rc < 0 {
		return fmt.Errorf("restore handler for %s: %w", Name(sig), unix.Errno(-rc))
	}
	return nil
}

// Add relays more signals.
func (f *Forwarder) Add(sigs ...unix.Signal) error {
	for _, s := range sigs {
		if rc := C.hull_fwd_install(C.int(s)); rc < 0 {
			return fmt.Errorf("install handler for %s: %w", Name(s), unix.Errno(-rc))
		}
	}
	return nil
}

// To starts relaying to pid, first the signals kept so far. A pidfd is used
// where the kernel has one (5.3+) so that a late signal cannot reach a
// recycled pid.
func (f *Forwarder) To(pid int) {
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		f.pidfd = fd
	}
	C.hull_fwd_target(C.int(pid), C.int(f.pidfd))
}

// Done drops every later signal: the process is gone, and hull is cleaning
// up after it (a signal's default action would interrupt that).
func (f *Forwarder) Done() {
	C.hull_fwd_target(-1, -1)
}

// Stop restores the handlers Forward replaced.
func (f *Forwarder) Stop() {
	f.Done() // a handler still running elsewhere sends nothing more
	C.hull_fwd_restore()
	if f.pidfd >= 0 {
		unix.Close(f.pidfd)
		f.pidfd = -1
	}
	forwarderMu.Unlock()
}
