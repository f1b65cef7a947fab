// Package caps validates and applies the OCI process.capabilities sets to the
// calling thread. Linux credentials are per-thread, so every function here acts
// on the current OS thread only; the caller must hold runtime.LockOSThread.
package caps

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
	"golang.org/x/sys/unix"
)

// known maps every capability name hull understands to its number, as defined
// in include/uapi/linux/capability.h (CAP_CHOWN=0 .. CAP_CHECKPOINT_RESTORE=40).
var known = map[string]int{
	"CAP_CHOWN":              0,
	"CAP_DAC_OVERRIDE":       1,
	"CAP_DAC_READ_SEARCH":    2,
	"CAP_FOWNER":             3,
	"CAP_FSETID":             4,
	"CAP_KILL":               5,
	"CAP_SETGID":             6,
	"CAP_SETUID":             7,
	"CAP_SETPCAP":            8,
	"CAP_LINUX_IMMUTABLE":    9,
	"CAP_NET_BIND_SERVICE":   10,
	"CAP_NET_BROADCAST":      11,
	"CAP_NET_ADMIN":          12,
	"CAP_NET_RAW":            13,
	"CAP_IPC_LOCK":           14,
	"CAP_IPC_OWNER":          15,
	"CAP_SYS_MODULE":         16,
	"CAP_SYS_RAWIO":          17,
	"CAP_SYS_CHROOT":         18,
	"CAP_SYS_PTRACE":         19,
	"CAP_SYS_PACCT":          20,
	"CAP_SYS_ADMIN":          21,
	"CAP_SYS_BOOT":           22,
	"CAP_SYS_NICE":           23,
	"CAP_SYS_RESOURCE":       24,
	"CAP_SYS_TIME":           25,
	"CAP_SYS_TTY_CONFIG":     26,
	"CAP_MKNOD":              27,
	"CAP_LEASE":              28,
	"CAP_AUDIT_WRITE":        29,
	"CAP_AUDIT_CONTROL":      30,
	"CAP_SETFCAP":            31,
	"CAP_MAC_OVERRIDE":       32,
	"CAP_MAC_ADMIN":          33,
	"CAP_SYSLOG":             34,
	"CAP_WAKE_ALARM":         35,
	"CAP_BLOCK_SUSPEND":      36,
	"CAP_AUDIT_READ":         37,
	"CAP_PERFMON":            38,
	"CAP_BPF":                39,
	"CAP_CHECKPOINT_RESTORE": 40,
}

// maxKnown is the highest capability number in known.
const maxKnown = 40

// Known lists every capability name hull knows with its number. The map is a
// fresh copy the caller may modify.
func Known() map[string]int {
	m := make(map[string]int, len(known))
	for k, v := range known {
		m[k] = v
	}
	return m
}

// lastCap returns the highest capability number the running kernel supports.
// /proc/sys/kernel/cap_last_cap exists since Linux 3.2; when it cannot be read
// (e.g. /proc not mounted yet) the bounding set is probed with PR_CAPBSET_READ,
// which fails with EINVAL for numbers the kernel does not know.
func lastCap() int {
	if b, err := rawfile.ReadProc("/proc/sys/kernel/cap_last_cap", 16); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 {
			return n
		}
	}
	n := 0
	for ; n < 64; n++ {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); err != nil {
			break
		}
	}
	return n - 1
}

// Supported lists, sorted, the names hull knows that the running kernel
// supports; it is what `hull features` reports.
func Supported() []string {
	last := lastCap()
	var out []string
	for name, n := range known {
		if n <= last {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
