package oneproc

import (
	"encoding/hex"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// EnvCPUs carries the caller's CPU mask to a container's init, which puts
// it back before anything else (internal/nsenter): hull runs pinned to one
// CPU (oneproc_amd64.c) and its children inherit that.
const EnvCPUs = "_HULL_CPUS"

// cpus is the caller's mask and the one-CPU mask hull runs with, as the
// kernel takes them (bytes, little-endian words); nil when not pinned.
var cpusOrig, cpusPinned []byte

func init() {
	if o, p := pinnedCPUs(); o != nil {
		cpusOrig, cpusPinned = o, p
	}
	// A variable this process got, not set: an init's, already applied
	// by the constructor. Nothing it starts may inherit it.
	os.Unsetenv(EnvCPUs)
}

// Pinned reports whether hull runs pinned to one CPU.
func Pinned() bool { return cpusOrig != nil }

// ChildEnv is the variable a container's init needs to get the caller's
// mask back: nil when hull is not pinned.
func ChildEnv() []string {
	if cpusOrig == nil {
		return nil
	}
	return []string{EnvCPUs + "=" + hex.EncodeToString(cpusOrig)}
}

// Unpinned runs f, which starts a process (a hook, ps), on a thread that has
// the caller's CPU mask, so that the process inherits that mask and not
// hull's one CPU.
func Unpinned(f func() error) error {
	if cpusOrig == nil {
		return f()
	}
	runtime.LockOSThread()
	if setAffinity(cpusOrig) != nil && setAffinity(allCPUs()) != nil {
		// Neither the caller's mask (nothing of it left in hull's
		// cpuset) nor every CPU, as restore_cpus in nsenter.c falls back
		// to: nothing else to give.
		runtime.UnlockOSThread()
		return f()
	}
	err := f()
	if setAffinity(cpusPinned) == nil {
		runtime.UnlockOSThread()
	}
	// Else the thread keeps the caller's mask, and stays locked, so the
	// runtime ends it with this goroutine rather than reuse it.
	return err
}

// allCPUs is a mask of every CPU, which the kernel narrows to the cpuset.
func allCPUs() []byte {
	b := make([]byte, len(cpusOrig))
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func setAffinity(mask []byte) error {
	_, _, errno := unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, 0, uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0])))
	if errno != 0 {
		return errno
	}
	return nil
}
