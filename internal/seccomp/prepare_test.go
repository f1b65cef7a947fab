//go:build cgo

package seccomp

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func uptr(v uint) *uint { return &v }

// nativeData is a syscall on the x86_64 ABI (these tests assume amd64).
func nativeData(nr int, args ...uint64) seccompData {
	d := seccompData{nr: int32(nr), arch: unix.AUDIT_ARCH_X86_64}
	copy(d.args[:], args)
	return d
}

func mustPrepare(t *testing.T, s *specs.LinuxSeccomp) *Filter {
	t.Helper()
	f, err := Prepare(s)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return f
}

func verdict(t *testing.T, f *Filter, d seccompData) uint32 {
	t.Helper()
	got, err := runBPF(f.prog, d)
	if err != nil {
		t.Fatalf("run filter on nr %d arch %#x: %v", d.nr, d.arch, err)
	}
	return got
}

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func requireAmd64(t *testing.T) {
	t.Helper()
	if a, _ := libseccomp.GetNativeArch(); a != libseccomp.ArchAMD64 {
		t.Skip("filter-shape tests assume an x86_64 host")
	}
}

func TestPrepareNil(t *testing.T) {
	f, err := Prepare(nil)
	if err != nil || f != nil {
		t.Fatalf("Prepare(nil) = %v, %v", f, err)
	}
	if fd, err := f.Load(); fd != nil || err != nil {
		t.Fatalf("nil Filter Load = %v, %v", fd, err)
	}
}

func TestPrepareErrnoDefaultAndENOSYS(t *testing.T) {
	requireAmd64(t)
	f := mustPrepare(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "openat", "no_such_syscall_hull"}, Action: specs.ActAllow},
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EXDEV))},
		},
	})
	cases := []struct {
		name string
		d    seccompData
		want uint32
	}{
		{"allowed read", nativeData(unix.SYS_READ), unix.SECCOMP_RET_ALLOW},
		{"rule errnoRet", nativeData(unix.SYS_MKDIR), errnoRet(unix.EXDEV)},
		{"default errno is EPERM", nativeData(unix.SYS_GETPID), errnoRet(unix.EPERM)},
		// openat (257) is the highest named x86_64 syscall here.
		{"above highest named", nativeData(unix.SYS_OPENAT + 1), errnoRet(unix.ENOSYS)},
		{"unallocated number", nativeData(1000), errnoRet(unix.ENOSYS)},
		{"i386 read (3)", seccompData{nr: 3, arch: unix.AUDIT_ARCH_I386}, unix.SECCOMP_RET_ALLOW},
		{"i386 above openat (295)", seccompData{nr: 296, arch: unix.AUDIT_ARCH_I386}, errnoRet(unix.ENOSYS)},
		{"x32 read", seccompData{nr: x32SyscallBit, arch: unix.AUDIT_ARCH_X86_64}, unix.SECCOMP_RET_ALLOW},
		{"x32 far above", seccompData{nr: x32SyscallBit + 900, arch: unix.AUDIT_ARCH_X86_64}, errnoRet(unix.ENOSYS)},
	}
	for _, c := range cases {
		if got := verdict(t, f, c.d); got != c.want {
			t.Errorf("%s: got %#x, want %#x", c.name, got, c.want)
		}
	}
	// An arch the profile does not list is libseccomp's bad-arch action
	// (kill), not ENOSYS.
	if got := verdict(t, f, seccompData{nr: 5000, arch: unix.AUDIT_ARCH_AARCH64}); got&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_ERRNO {
		t.Errorf("foreign arch got errno %#x", got)
	}
}

func TestPrepareDefaultErrnoRet(t *testing.T) {
	requireAmd64(t)
	f := mustPrepare(t, &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: uptr(uint(unix.EACCES)),
		Syscalls:        []specs.LinuxSyscall{{Names: []string{"openat"}, Action: specs.ActAllow}},
	})
	if got := verdict(t, f, nativeData(unix.SYS_GETPID)); got != errnoRet(unix.EACCES) {
		t.Fatalf("getpid: got %#x, want EACCES", got)
	}
}

// With ALLOW (or LOG) as default nothing is blocked by default, so there is
// no stub: new syscalls are allowed, as under runc.
func TestPrepareAllowDefaultHasNoStub(t *testing.T) {
	requireAmd64(t)
	for _, def := range []specs.LinuxSeccompAction{specs.ActAllow, specs.ActLog} {
		f := mustPrepare(t, &specs.LinuxSeccomp{
			DefaultAction: def,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}},
		})
		got := verdict(t, f, nativeData(1000))
		if got&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_ERRNO {
			t.Errorf("default %s: syscall 1000 got errno %#x", def, got)
		}
		if got := verdict(t, f, nativeData(unix.SYS_MKDIR)); got != errnoRet(unix.EPERM) {
			t.Errorf("default %s: mkdir got %#x, want EPERM", def, got)
		}
	}
}

func TestPrepareActions(t *testing.T) {
	requireAmd64(t)
	rules := []struct {
		act  specs.LinuxSeccompAction
		nr   int
		name string
		want uint32
	}{
		{specs.ActKill, unix.SYS_MKDIR, "mkdir", unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillThread, unix.SYS_RMDIR, "rmdir", unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, unix.SYS_LINK, "link", unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActTrap, unix.SYS_UNLINK, "unlink", unix.SECCOMP_RET_TRAP},
		{specs.ActTrace, unix.SYS_SYMLINK, "symlink", unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActLog, unix.SYS_CHMOD, "chmod", unix.SECCOMP_RET_LOG},
		{specs.ActNotify, unix.SYS_CHOWN, "chown", unix.SECCOMP_RET_USER_NOTIF},
		{specs.ActErrno, unix.SYS_RENAME, "rename", errnoRet(unix.EPERM)},
	}
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock"}
	for _, r := range rules {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{r.name}, Action: r.act})
	}
	f := mustPrepare(t, s)
	if !f.Notify() {
		t.Error("Notify() = false for a profile with SCMP_ACT_NOTIFY")
	}
	for _, r := range rules {
		if got := verdict(t, f, nativeData(r.nr)); got != r.want {
			t.Errorf("%s (%s): got %#x, want %#x", r.act, r.name, got, r.want)
		}
	}
}

func TestPrepareOperators(t *testing.T) {
	requireAmd64(t)
	// One syscall per operator; each rule returns EXDEV when it matches.
	type probe struct {
		arg  uint64
		want bool
	}
	cases := []struct {
		name   string
		nr     int
		arg    specs.LinuxSeccompArg
		probes []probe
	}{
		{"getpriority", unix.SYS_GETPRIORITY, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpEqualTo}, []probe{{5, true}, {4, false}, {5 | 1<<32, false}}},
		{"setpriority", unix.SYS_SETPRIORITY, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpNotEqual}, []probe{{5, false}, {6, true}}},
		{"umask", unix.SYS_UMASK, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpLessThan}, []probe{{4, true}, {5, false}}},
		{"dup", unix.SYS_DUP, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpLessEqual}, []probe{{5, true}, {6, false}}},
		{"dup2", unix.SYS_DUP2, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpGreaterEqual}, []probe{{5, true}, {4, false}}},
		{"close", unix.SYS_CLOSE, specs.LinuxSeccompArg{Index: 0, Value: 5, Op: specs.OpGreaterThan}, []probe{{6, true}, {5, false}, {1 << 40, true}}},
		// (arg & value) == valueTwo: the docker/containerd clone rule shape.
		{"unshare", unix.SYS_UNSHARE, specs.LinuxSeccompArg{Index: 0, Value: unix.CLONE_NEWNS | unix.CLONE_NEWUSER, ValueTwo: 0, Op: specs.OpMaskedEqual},
			[]probe{{unix.CLONE_FILES, true}, {unix.CLONE_NEWNS, false}, {unix.CLONE_NEWUSER | unix.CLONE_FILES, false}}},
		{"fchmod", unix.SYS_FCHMOD, specs.LinuxSeccompArg{Index: 1, Value: 0o7000, ValueTwo: 0o4000, Op: specs.OpMaskedEqual},
			[]probe{{0o4755, true}, {0o755, false}, {0o6755, false}}},
	}
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	for _, c := range cases {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{c.name}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EXDEV)), Args: []specs.LinuxSeccompArg{c.arg}})
	}
	f := mustPrepare(t, s)
	for _, c := range cases {
		for _, p := range c.probes {
			var args [6]uint64
			args[c.arg.Index] = p.arg
			got := verdict(t, f, nativeData(c.nr, args[:]...))
			if matched := got == errnoRet(unix.EXDEV); matched != p.want {
				t.Errorf("%s %s arg %#x: matched=%v, want %v (ret %#x)", c.name, c.arg.Op, p.arg, matched, p.want, got)
			}
		}
	}
}

// Two conditions on one argument become two rules (OR), as in runc; on
// different arguments they AND.
func TestPrepareConditionCombination(t *testing.T) {
	requireAmd64(t)
	f := mustPrepare(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0, Op: specs.OpEqualTo}, {Index: 0, Value: 8, Op: specs.OpEqualTo}}},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: unix.AF_UNIX, Op: specs.OpEqualTo}, {Index: 1, Value: unix.SOCK_STREAM, Op: specs.OpEqualTo}}},
		},
	})
	allow := uint32(unix.SECCOMP_RET_ALLOW)
	checks := []struct {
		d    seccompData
		want uint32
	}{
		{nativeData(unix.SYS_PERSONALITY, 0), allow},
		{nativeData(unix.SYS_PERSONALITY, 8), allow},
		{nativeData(unix.SYS_PERSONALITY, 9), errnoRet(unix.EPERM)},
		{nativeData(unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_STREAM), allow},
		{nativeData(unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_DGRAM), errnoRet(unix.EPERM)},
		{nativeData(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM), errnoRet(unix.EPERM)},
	}
	for _, c := range checks {
		if got := verdict(t, f, c.d); got != c.want {
			t.Errorf("nr %d args %v: got %#x, want %#x", c.d.nr, c.d.args[:2], got, c.want)
		}
	}
}

// A rule whose action is the default one is dropped (libseccomp would
// refuse it) and the profile still compiles.
func TestPrepareRuleEqualToDefault(t *testing.T) {
	mustPrepare(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActErrno},
			{Names: []string{"read"}, Action: specs.ActAllow},
		},
	})
}

func TestPrepareFlags(t *testing.T) {
	f := mustPrepare(t, &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
	})
	if f.flags != unix.SECCOMP_FILTER_FLAG_LOG|unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Fatalf("flags = %#x", f.flags)
	}
}

func TestPrepareErrors(t *testing.T) {
	cases := []struct {
		name string
		s    specs.LinuxSeccomp
		want string
	}{
		{"unknown default", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_BOGUS"}, "defaultAction"},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, "cannot be the default"},
		{"unknown rule action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: "X"}}}, "syscalls[0]"},
		{"unknown operator", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_BOGUS"}}}}}, "operator"},
		{"arg index 6", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, "args[0]"},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, "architectures[0]"},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}}, "flags"},
		{"notify on write", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/x", Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActNotify}}}, "write"},
		{"notify without listener", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, "listenerPath"},
		{"errnoRet too big", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(70000)}, "SECCOMP_RET_DATA"},
	}
	for _, c := range cases {
		_, err := Prepare(&c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestSupported(t *testing.T) {
	actions, operators, archs, flags := Supported()
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, a := range []string{"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"} {
		if !has(actions, a) {
			t.Errorf("actions %v lack %s", actions, a)
		}
	}
	if len(operators) != 7 || !has(operators, "SCMP_CMP_MASKED_EQ") {
		t.Errorf("operators = %v", operators)
	}
	if !has(archs, "SCMP_ARCH_X86_64") || !has(archs, "SCMP_ARCH_X86") || !has(archs, "SCMP_ARCH_X32") {
		t.Errorf("archs = %v", archs)
	}
	if has(archs, "SCMP_ARCH_BOGUS") {
		t.Errorf("archs = %v", archs)
	}
	// Every flag here dates from Linux <= 5.19; the test host is newer.
	for _, f := range []string{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"} {
		if !has(flags, f) {
			t.Errorf("flags %v lack %s", flags, f)
		}
	}
}
