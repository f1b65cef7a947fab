package seccomp

import (
	"sort"

	"golang.org/x/sys/unix"
)

// Classic BPF opcodes the stub uses (linux/bpf_common.h).
const (
	bpfLdWAbs  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJgtK    = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	bpfJsetK   = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfJa      = unix.BPF_JMP | unix.BPF_JA
	bpfRetK    = unix.BPF_RET | unix.BPF_K
	offsetNr   = 0 // struct seccomp_data.nr
	offsetArch = 4 // struct seccomp_data.arch
	// x32 system calls arrive with AUDIT_ARCH_X86_64 and this bit set in nr
	// (__X32_SYSCALL_BIT in arch/x86/include/uapi/asm/unistd.h).
	x32SyscallBit = 0x40000000
)

// retENOSYS is what a syscall newer than the profile gets.
const retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// abiMax is the highest syscall number a profile names for one ABI.
type abiMax struct {
	audit uint32 // seccomp_data.arch value of the ABI (AUDIT_ARCH_*)
	x32   bool   // the x32 ABI, which shares AUDIT_ARCH_X86_64
	max   uint32 // highest syscall number the profile names
}

// enosysStub builds the program that runs before libseccomp's: for every ABI
// in abis, a syscall whose number is above everything the profile names
// returns ENOSYS; anything else falls through to the profile.
//
// Why: a profile with an errno (or kill) default cannot list syscalls added
// to the kernel after it was written. glibc and others probe new syscalls
// (clone3, faccessat2, openat2, ...) and fall back only on ENOSYS; EPERM
// makes them fail hard. runc prepends the same kind of check, so containers
// that work under runc must work under hull. Syscalls at or below the highest
// named number keep the profile's default: the profile's author saw them.
//
// The returned program ends by falling through; the caller appends the
// libseccomp program, which starts by reloading the arch itself.
func enosysStub(abis []abiMax) []unix.SockFilter {
	if len(abis) == 0 {
		return nil
	}
	type group struct {
		native, x32 *abiMax
	}
	groups := map[uint32]*group{}
	var audits []uint32
	for i := range abis {
		a := &abis[i]
		g := groups[a.audit]
		if g == nil {
			g = &group{}
			groups[a.audit] = g
			audits = append(audits, a.audit)
		}
		if a.x32 {
			g.x32 = a
		} else {
			g.native = a
		}
	}
	// A stable order keeps the program (and its tests) deterministic.
	sort.Slice(audits, func(i, j int) bool { return audits[i] < audits[j] })

	prog := []unix.SockFilter{{Code: bpfLdWAbs, K: offsetArch}}
	var jumpsToEnd []int
	for _, audit := range audits {
		g := groups[audit]
		var sec []unix.SockFilter
		var secJumps []int // indexes within sec of "ja END"
		// checkMax returns ENOSYS when nr > max, else jumps to the profile.
		checkMax := func(m *abiMax) {
			if m == nil {
				secJumps = append(secJumps, len(sec))
				sec = append(sec, unix.SockFilter{Code: bpfJa})
				return
			}
			sec = append(sec, unix.SockFilter{Code: bpfJgtK, Jt: 0, Jf: 1, K: m.max})
			sec = append(sec, unix.SockFilter{Code: bpfRetK, K: retENOSYS})
			secJumps = append(secJumps, len(sec))
			sec = append(sec, unix.SockFilter{Code: bpfJa})
		}
		sec = append(sec, unix.SockFilter{Code: bpfLdWAbs, K: offsetNr})
		if audit == unix.AUDIT_ARCH_X86_64 {
			// One AUDIT_ARCH for two syscall tables: split on the x32 bit.
			jset := len(sec)
			sec = append(sec, unix.SockFilter{Code: bpfJsetK, K: x32SyscallBit})
			checkMax(g.native)
			sec[jset].Jt = uint8(len(sec) - jset - 1)
			checkMax(g.x32)
		} else {
			checkMax(g.native)
		}
		// Not this arch: skip the section with the arch still loaded.
		prog = append(prog, unix.SockFilter{Code: bpfJeqK, Jt: 0, Jf: uint8(len(sec)), K: audit})
		base := len(prog)
		prog = append(prog, sec...)
		for _, j := range secJumps {
			jumpsToEnd = append(jumpsToEnd, base+j)
		}
	}
	for _, j := range jumpsToEnd {
		prog[j].K = uint32(len(prog) - j - 1)
	}
	return prog
}
