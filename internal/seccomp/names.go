package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// specFlags maps the flags a profile may ask for to seccomp(2)'s
// SECCOMP_FILTER_FLAG_* bits. hull loads the program itself, so every flag
// the kernel knows works regardless of what libseccomp's version knows.
var specFlags = map[specs.LinuxSeccompFlag]uintptr{
	"SECCOMP_FILTER_FLAG_TSYNC":            unix.SECCOMP_FILTER_FLAG_TSYNC,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// kernelActions maps each spec action to the SECCOMP_RET_* value the kernel
// is asked about with SECCOMP_GET_ACTION_AVAIL.
var kernelActions = map[specs.LinuxSeccompAction]uint32{
	specs.ActKill:        unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillThread:  unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillProcess: unix.SECCOMP_RET_KILL_PROCESS,
	specs.ActTrap:        unix.SECCOMP_RET_TRAP,
	specs.ActErrno:       unix.SECCOMP_RET_ERRNO,
	specs.ActTrace:       unix.SECCOMP_RET_TRACE,
	specs.ActAllow:       unix.SECCOMP_RET_ALLOW,
	specs.ActLog:         unix.SECCOMP_RET_LOG,
	specs.ActNotify:      unix.SECCOMP_RET_USER_NOTIF,
}

// allOperators is every argument comparison the spec defines; libseccomp
// has had all of them since 2.0.
var allOperators = []specs.LinuxSeccompOperator{
	specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
	specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual,
}

// allArchs is every architecture name the spec defines.
var allArchs = []specs.Arch{
	specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
	specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
	specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
	specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
	specs.ArchSH, specs.ArchSHEB,
}

// parseFlags turns linux.seccomp.flags into seccomp(2) flag bits.
func parseFlags(flags []specs.LinuxSeccompFlag) (uintptr, error) {
	var out uintptr
	for _, f := range flags {
		bit, ok := specFlags[f]
		if !ok {
			return 0, fmt.Errorf("linux.seccomp.flags: unknown flag %q", f)
		}
		out |= bit
	}
	return out, nil
}

// errnoOrDefault is the errno an ERRNO/TRACE action returns: the profile's
// value, else EPERM as runc does.
func errnoOrDefault(ret *uint, field string) (uint16, error) {
	if ret == nil {
		return uint16(unix.EPERM), nil
	}
	// SECCOMP_RET_DATA is 16 bits wide; a larger value would silently be
	// truncated into another errno.
	if *ret > 0xffff {
		return 0, fmt.Errorf("%s: %d does not fit in SECCOMP_RET_DATA (16 bits)", field, *ret)
	}
	return uint16(*ret), nil
}

// archInfo ties a spec architecture to the name libseccomp parses and the
// AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
type archInfo struct {
	scmp  string // name for libseccomp's GetArchFromString
	audit uint32 // 0: no ENOSYS stub for this arch (see stubAudit)
	x32   bool
}

// archTable lists every spec architecture. s390 and s390x carry audit 0: on
// s390 syscall number 0 is a multiplexer whose real number is in a register,
// so "above the highest named number" says nothing there; those arches get
// the plain profile, without the ENOSYS stub.
var archTable = map[specs.Arch]archInfo{
	specs.ArchX86:         {"x86", unix.AUDIT_ARCH_I386, false},
	specs.ArchX86_64:      {"x86_64", unix.AUDIT_ARCH_X86_64, false},
	specs.ArchX32:         {"x32", unix.AUDIT_ARCH_X86_64, true},
	specs.ArchARM:         {"arm", unix.AUDIT_ARCH_ARM, false},
	specs.ArchAARCH64:     {"aarch64", unix.AUDIT_ARCH_AARCH64, false},
	specs.ArchMIPS:        {"mips", unix.AUDIT_ARCH_MIPS, false},
	specs.ArchMIPS64:      {"mips64", unix.AUDIT_ARCH_MIPS64, false},
	specs.ArchMIPS64N32:   {"mips64n32", unix.AUDIT_ARCH_MIPS64N32, false},
	specs.ArchMIPSEL:      {"mipsel", unix.AUDIT_ARCH_MIPSEL, false},
	specs.ArchMIPSEL64:    {"mipsel64", unix.AUDIT_ARCH_MIPSEL64, false},
	specs.ArchMIPSEL64N32: {"mipsel64n32", unix.AUDIT_ARCH_MIPSEL64N32, false},
	specs.ArchPPC:         {"ppc", unix.AUDIT_ARCH_PPC, false},
	specs.ArchPPC64:       {"ppc64", unix.AUDIT_ARCH_PPC64, false},
	specs.ArchPPC64LE:     {"ppc64le", unix.AUDIT_ARCH_PPC64LE, false},
	specs.ArchS390:        {"s390", 0, false},
	specs.ArchS390X:       {"s390x", 0, false},
	specs.ArchPARISC:      {"parisc", unix.AUDIT_ARCH_PARISC, false},
	specs.ArchPARISC64:    {"parisc64", unix.AUDIT_ARCH_PARISC64, false},
	specs.ArchRISCV64:     {"riscv64", unix.AUDIT_ARCH_RISCV64, false},
	specs.ArchLOONGARCH64: {"loongarch64", unix.AUDIT_ARCH_LOONGARCH64, false},
	specs.ArchM68K:        {"m68k", unix.AUDIT_ARCH_M68K, false},
	// libseccomp's "sh" is little-endian SuperH, "sheb" big-endian.
	specs.ArchSH:   {"sh", unix.AUDIT_ARCH_SHEL, false},
	specs.ArchSHEB: {"sheb", unix.AUDIT_ARCH_SH, false},
}
