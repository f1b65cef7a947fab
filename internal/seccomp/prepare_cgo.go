//go:build cgo

package seccomp

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// Prepare compiles s into a Filter; it loads nothing. A nil profile gives a
// nil Filter, whose Load is a no-op.
//
// Like runc: syscall names this libseccomp does not know are skipped (a
// profile written for a newer kernel must still load); conditions on the same
// argument index are ORed (one rule each), different indexes are ANDed;
// a rule whose action equals the default is dropped (libseccomp rejects it);
// SCMP_ACT_KILL means KILL_THREAD; ERRNO/TRACE without errnoRet return EPERM;
// SCMP_ACT_NOTIFY is refused as the default action and for write(2), which
// the runtime itself needs after Load. Unless the default action is ALLOW or
// LOG, syscalls newer than every syscall the profile names get ENOSYS.
func Prepare(s *specs.LinuxSeccomp) (*Filter, error) {
	if s == nil {
		return nil, nil
	}
	if s.DefaultAction == specs.ActNotify {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
	}
	defAct, err := toAction(s.DefaultAction, s.DefaultErrnoRet, "linux.seccomp.defaultAction")
	if err != nil {
		return nil, err
	}
	flags, err := parseFlags(s.Flags)
	if err != nil {
		return nil, err
	}
	notify := false
	for i, sc := range s.Syscalls {
		if sc.Action != specs.ActNotify {
			continue
		}
		notify = true
		for _, n := range sc.Names {
			if n == "write" {
				return nil, fmt.Errorf("linux.seccomp.syscalls[%d]: SCMP_ACT_NOTIFY cannot be used for write (the runtime writes after loading the filter)", i)
			}
		}
	}
	if notify && s.ListenerPath == "" {
		return nil, fmt.Errorf("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY")
	}

	flt, err := libseccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("create seccomp filter: %w", err)
	}
	defer flt.Release()
	arches, err := addArches(flt, s.Architectures)
	if err != nil {
		return nil, err
	}
	for i, sc := range s.Syscalls {
		if err := addRule(flt, defAct, sc, fmt.Sprintf("linux.seccomp.syscalls[%d]", i)); err != nil {
			return nil, err
		}
	}
	body, err := exportBPF(flt)
	if err != nil {
		return nil, err
	}
	var prog []unix.SockFilter
	if s.DefaultAction != specs.ActAllow && s.DefaultAction != specs.ActLog {
		prog = enosysStub(highestNamed(s.Syscalls, arches))
	}
	prog = append(prog, body...)
	if len(prog) > bpfMaxInsns {
		return nil, fmt.Errorf("linux.seccomp: compiled filter has %d instructions, the kernel allows %d", len(prog), bpfMaxInsns)
	}
	return &Filter{prog: prog, flags: flags, notify: notify}, nil
}

// toAction maps a spec action to libseccomp's.
func toAction(a specs.LinuxSeccompAction, errnoRet *uint, field string) (libseccomp.ScmpAction, error) {
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	case specs.ActErrno, specs.ActTrace:
		code, err := errnoOrDefault(errnoRet, field)
		if err != nil {
			return libseccomp.ActInvalid, err
		}
		base := libseccomp.ActErrno
		if a == specs.ActTrace {
			base = libseccomp.ActTrace
		}
		return base.SetReturnCode(int16(code)), nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("%s: unknown action %q", field, a)
}

// toOperator maps a spec comparison operator to libseccomp's.
func toOperator(op specs.LinuxSeccompOperator) (libseccomp.ScmpCompareOp, bool) {
	switch op {
	case specs.OpNotEqual:
		return libseccomp.CompareNotEqual, true
	case specs.OpLessThan:
		return libseccomp.CompareLess, true
	case specs.OpLessEqual:
		return libseccomp.CompareLessOrEqual, true
	case specs.OpEqualTo:
		return libseccomp.CompareEqual, true
	case specs.OpGreaterEqual:
		return libseccomp.CompareGreaterEqual, true
	case specs.OpGreaterThan:
		return libseccomp.CompareGreater, true
	case specs.OpMaskedEqual:
		return libseccomp.CompareMaskedEqual, true
	}
	return libseccomp.CompareInvalid, false
}

// presentArch is an architecture in the filter, with how the ENOSYS stub
// recognises it.
type presentArch struct {
	scmp libseccomp.ScmpArch
	info archInfo
}

// addArches adds linux.seccomp.architectures to the filter (libseccomp
// always includes the native one) and returns every arch now in it.
func addArches(flt *libseccomp.ScmpFilter, names []specs.Arch) ([]presentArch, error) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("seccomp native architecture: %w", err)
	}
	var out []presentArch
	seen := map[libseccomp.ScmpArch]bool{}
	add := func(a libseccomp.ScmpArch, info archInfo) {
		if !seen[a] {
			seen[a] = true
			out = append(out, presentArch{a, info})
		}
	}
	for _, info := range archTable {
		if a, err := libseccomp.GetArchFromString(info.scmp); err == nil && a == native {
			add(a, info)
		}
	}
	for i, n := range names {
		info, ok := archTable[n]
		if !ok {
			return nil, fmt.Errorf("linux.seccomp.architectures[%d]: unknown architecture %q", i, n)
		}
		a, err := libseccomp.GetArchFromString(info.scmp)
		if err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures[%d] %q: %w", i, n, err)
		}
		if err := flt.AddArch(a); err != nil {
			return nil, fmt.Errorf("linux.seccomp.architectures[%d] %q: add to filter: %w", i, n, err)
		}
		add(a, info)
	}
	return out, nil
}

// addRule adds one linux.seccomp.syscalls entry.
func addRule(flt *libseccomp.ScmpFilter, defAct libseccomp.ScmpAction, sc specs.LinuxSyscall, field string) error {
	act, err := toAction(sc.Action, sc.ErrnoRet, field+".errnoRet")
	if err != nil {
		return err
	}
	if act == defAct {
		return nil
	}
	var conds []libseccomp.ScmpCondition
	perArg := map[uint]int{}
	sameArg := false
	for j, a := range sc.Args {
		op, ok := toOperator(a.Op)
		if !ok {
			return fmt.Errorf("%s.args[%d]: unknown operator %q", field, j, a.Op)
		}
		var c libseccomp.ScmpCondition
		if op == libseccomp.CompareMaskedEqual {
			// (arg & value) == valueTwo: libseccomp's datum_a is the mask.
			c, err = libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		} else {
			c, err = libseccomp.MakeCondition(a.Index, op, a.Value)
		}
		if err != nil {
			return fmt.Errorf("%s.args[%d]: %w", field, j, err)
		}
		perArg[a.Index]++
		if perArg[a.Index] > 1 {
			sameArg = true
		}
		conds = append(conds, c)
	}
	for _, name := range sc.Names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			// Unknown to this libseccomp: skipped, as runc does.
			continue
		}
		switch {
		case len(conds) == 0:
			err = flt.AddRule(nr, act)
		case sameArg:
			// libseccomp cannot AND two comparisons of one argument;
			// runc's answer (kept for compatibility) is one rule each.
			for _, c := range conds {
				if err = flt.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{c}); err != nil {
					break
				}
			}
		default:
			err = flt.AddRuleConditional(nr, act, conds)
		}
		if err != nil {
			return fmt.Errorf("%s: add rule for %s: %w", field, name, err)
		}
	}
	return nil
}

// highestNamed finds, per architecture in the filter, the highest syscall
// number any rule names (whatever its action).
func highestNamed(calls []specs.LinuxSyscall, arches []presentArch) []abiMax {
	var out []abiMax
	for _, pa := range arches {
		if pa.info.audit == 0 {
			continue
		}
		found := false
		var hi uint32
		for _, sc := range calls {
			for _, name := range sc.Names {
				nr, err := libseccomp.GetSyscallFromNameByArch(name, pa.scmp)
				// Negative numbers are libseccomp's pseudo-syscalls for
				// names this arch lacks.
				if err != nil || nr < 0 {
					continue
				}
				if !found || uint32(nr) > hi {
					hi, found = uint32(nr), true
				}
			}
		}
		if found {
			out = append(out, abiMax{audit: pa.info.audit, x32: pa.info.x32, max: hi})
		}
	}
	return out
}

// exportBPF gets libseccomp's compiled program. It goes through a memfd
// because seccomp_export_bpf_mem only exists from libseccomp 2.6.
func exportBPF(flt *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("hull-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create for seccomp export: %w", err)
	}
	f := os.NewFile(uintptr(fd), "hull-seccomp-bpf")
	defer f.Close()
	if err := flt.ExportBPF(f); err != nil {
		return nil, fmt.Errorf("export seccomp BPF: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind seccomp BPF: %w", err)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read seccomp BPF: %w", err)
	}
	return decodeBPF(raw)
}

// decodeBPF parses struct sock_filter records in native byte order.
func decodeBPF(raw []byte) ([]unix.SockFilter, error) {
	const size = 8 // u16 code, u8 jt, u8 jf, u32 k
	if len(raw)%size != 0 {
		return nil, fmt.Errorf("seccomp BPF export: %d bytes is not a whole number of instructions", len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/size)
	for i := range prog {
		b := raw[i*size:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:2]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:8]),
		}
	}
	return prog, nil
}

// compilerID names what the compiled program depends on besides the profile
// and hull itself: libseccomp's version and API level (the API level also
// reflects what the running kernel supports).
func compilerID() string {
	maj, min, mic := libseccomp.GetLibraryVersion()
	api, _ := libseccomp.GetAPI()
	return fmt.Sprintf("libseccomp %d.%d.%d api %d", maj, min, mic, api)
}
