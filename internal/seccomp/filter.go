// Package seccomp compiles linux.seccomp into a BPF program and loads it.
//
// Prepare compiles with libseccomp (through its Go bindings, so cgo is
// required; a !cgo build fails Prepare with a clear error), then prepends an
// ENOSYS stub (see enosysStub) and keeps the result as plain data. Load hands
// that program to seccomp(2) directly instead of seccomp_load(3): that is what
// lets hull add the stub, pass every SECCOMP_FILTER_FLAG_* the kernel knows
// even where libseccomp is older, and never have libseccomp set no_new_privs
// behind the caller's back.
package seccomp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bpfMaxInsns is BPF_MAXINSNS: the kernel refuses longer programs.
const bpfMaxInsns = 4096

// Filter is a compiled profile ready to load. It is plain data: no libseccomp
// context, nothing to release, and it may be built before fork/exec.
type Filter struct {
	prog   []unix.SockFilter
	flags  uintptr
	notify bool
}

// Notify reports whether the profile uses SCMP_ACT_NOTIFY, i.e. whether Load
// returns a listener fd that has to reach linux.seccomp.listenerPath.
func (f *Filter) Notify() bool { return f != nil && f.notify }

// Len is the number of BPF instructions Load will install.
func (f *Filter) Len() int {
	if f == nil {
		return 0
	}
	return len(f.prog)
}

// Program returns the BPF program and the seccomp(2) flags Load would use,
// for a process that hull's C constructor finishes itself (`hull exec`). It
// is only for profiles without SCMP_ACT_NOTIFY (the listener fd has to reach
// the parent through the Go init's protocol).
func (f *Filter) Program() ([]unix.SockFilter, uintptr) {
	if f == nil {
		return nil, 0
	}
	return f.prog, f.flags &^ unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
}

// Load installs the filter on the calling thread (all threads when the profile
// asks for SECCOMP_FILTER_FLAG_TSYNC). Call it on the locked OS thread that
// will execve, as the very last step before execve: every syscall after it is
// filtered, including the ones the runtime itself still makes.
//
// Load does not set no_new_privs; the caller decides (process.noNewPrivileges).
// Without it the kernel requires CAP_SYS_ADMIN in the caller's user namespace,
// which is why runc loads earlier, before dropping capabilities, when
// no_new_privs is off.
//
// When the profile uses SCMP_ACT_NOTIFY, the returned file is the listener fd
// (SECCOMP_FILTER_FLAG_NEW_LISTENER); the caller must pass it on (SendNotify)
// and close it before execve, or notified syscalls block with nobody to answer.
// A nil Filter loads nothing.
func (f *Filter) Load() (notifyFd *os.File, err error) {
	if f == nil || len(f.prog) == 0 {
		return nil, nil
	}
	flags := f.flags
	if !f.notify {
		// The kernel rejects WAIT_KILLABLE_RECV without a listener (it
		// only changes how a notified task waits); with no notify rule it
		// means nothing, so drop it rather than fail the container.
		flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	if f.notify {
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		// TSYNC and NEW_LISTENER both use the return value; the kernel only
		// accepts them together when TSYNC failures report -ESRCH instead
		// of a thread id (Linux 5.7).
		if flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			flags |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	}
	fprog := unix.SockFprog{Len: uint16(len(f.prog)), Filter: &f.prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(f)
	if errno != 0 {
		err := fmt.Errorf("load seccomp filter (seccomp(SECCOMP_SET_MODE_FILTER, flags %#x)): %w", flags, errno)
		if errors.Is(errno, unix.EACCES) {
			err = fmt.Errorf("%w (without no_new_privs loading needs CAP_SYS_ADMIN)", err)
		}
		return nil, err
	}
	if f.notify {
		return os.NewFile(r, "seccomp-notify"), nil
	}
	if flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 && r != 0 {
		// With TSYNC a positive return is the thread that could not be
		// synchronized; the filter was not installed.
		return nil, fmt.Errorf("load seccomp filter: SECCOMP_FILTER_FLAG_TSYNC failed on thread %d", r)
	}
	return nil, nil
}
