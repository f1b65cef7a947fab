//go:build cgo

package seccomp

import (
	"errors"
	"sort"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// Supported reports what `hull features` may list under linux.seccomp: the
// actions both the kernel (SECCOMP_GET_ACTION_AVAIL) and this libseccomp's API
// level can use, every operator, the architectures this libseccomp can
// compile for, and the filter flags this kernel accepts. Each list is sorted.
func Supported() (actions, operators, archs, flags []string) {
	api, _ := libseccomp.GetAPI()
	for a, ret := range kernelActions {
		// KILL_PROCESS and LOG need libseccomp API level 3, NOTIFY level 6.
		if (a == specs.ActKillProcess || a == specs.ActLog) && api < 3 {
			continue
		}
		if a == specs.ActNotify && api < 6 {
			continue
		}
		if kernelHasAction(ret) {
			actions = append(actions, string(a))
		}
	}
	for _, op := range allOperators {
		operators = append(operators, string(op))
	}
	for _, a := range allArchs {
		sa, err := libseccomp.GetArchFromString(archTable[a].scmp)
		if err != nil {
			continue
		}
		// The Go binding knows more arches than an older C library:
		// resolving a syscall every arch has proves the C side knows it.
		if _, err := libseccomp.GetSyscallFromNameByArch("close", sa); err != nil {
			continue
		}
		archs = append(archs, string(a))
	}
	for f, bit := range specFlags {
		if kernelHasFlag(bit) {
			flags = append(flags, string(f))
		}
	}
	sort.Strings(actions)
	sort.Strings(operators)
	sort.Strings(archs)
	sort.Strings(flags)
	return actions, operators, archs, flags
}

// kernelHasAction asks seccomp(SECCOMP_GET_ACTION_AVAIL) (Linux 4.14).
func kernelHasAction(ret uint32) bool {
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&ret)))
	return errno == 0
}

// kernelHasFlag probes a filter flag without installing anything: with a NULL
// program the kernel checks the flags first (EINVAL when unknown) and only
// then faults copying the program (EFAULT).
func kernelHasFlag(bit uintptr) bool {
	if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		// Only valid together with NEW_LISTENER.
		bit |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, bit, 0)
	return errors.Is(errno, unix.EFAULT)
}
