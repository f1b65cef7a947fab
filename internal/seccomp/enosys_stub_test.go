package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"golang.org/x/sys/unix"
)

// retProfile marks "fell through to the profile" in stub tests.
const retProfile = unix.SECCOMP_RET_ALLOW

func stubThenProfile(abis []abiMax) []unix.SockFilter {
	return append(enosysStub(abis), unix.SockFilter{Code: bpfRetK, K: retProfile})
}

func TestEnosysStubNoArches(t *testing.T) {
	if p := enosysStub(nil); p != nil {
		t.Fatalf("stub for no arches = %v, want nil", p)
	}
}

func TestEnosysStub(t *testing.T) {
	prog := stubThenProfile([]abiMax{
		{audit: unix.AUDIT_ARCH_X86_64, max: 400},
		{audit: unix.AUDIT_ARCH_X86_64, x32: true, max: x32SyscallBit + 500},
		{audit: unix.AUDIT_ARCH_I386, max: 300},
	})
	cases := []struct {
		name string
		arch uint32
		nr   uint32
		want uint32
	}{
		{"x86_64 highest named", unix.AUDIT_ARCH_X86_64, 400, retProfile},
		{"x86_64 low", unix.AUDIT_ARCH_X86_64, 0, retProfile},
		{"x86_64 newer", unix.AUDIT_ARCH_X86_64, 401, retENOSYS},
		{"x86_64 far newer", unix.AUDIT_ARCH_X86_64, 1000, retENOSYS},
		{"x32 highest named", unix.AUDIT_ARCH_X86_64, x32SyscallBit + 500, retProfile},
		{"x32 newer", unix.AUDIT_ARCH_X86_64, x32SyscallBit + 501, retENOSYS},
		{"x32 low", unix.AUDIT_ARCH_X86_64, x32SyscallBit + 3, retProfile},
		{"i386 newer", unix.AUDIT_ARCH_I386, 301, retENOSYS},
		{"i386 named", unix.AUDIT_ARCH_I386, 300, retProfile},
		{"arch not in profile", unix.AUDIT_ARCH_AARCH64, 5000, retProfile},
	}
	for _, c := range cases {
		got, err := runBPF(prog, seccompData{nr: int32(c.nr), arch: c.arch})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: got %#x, want %#x", c.name, got, c.want)
		}
	}
}

// Without x32 in the profile, x32 syscalls are left to the profile (whose
// arch check rejects them), never answered with ENOSYS.
func TestEnosysStubX86_64WithoutX32(t *testing.T) {
	prog := stubThenProfile([]abiMax{{audit: unix.AUDIT_ARCH_X86_64, max: 400}})
	for _, nr := range []uint32{x32SyscallBit + 1, x32SyscallBit + 1000} {
		got, err := runBPF(prog, seccompData{nr: int32(nr), arch: unix.AUDIT_ARCH_X86_64})
		if err != nil {
			t.Fatal(err)
		}
		if got != retProfile {
			t.Errorf("x32 nr %#x: got %#x, want fall-through", nr, got)
		}
	}
	got, _ := runBPF(prog, seccompData{nr: 401, arch: unix.AUDIT_ARCH_X86_64})
	if got != retENOSYS {
		t.Errorf("nr 401: got %#x, want ENOSYS", got)
	}
}

func TestParseFlags(t *testing.T) {
	got, err := parseFlags([]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"})
	if err != nil {
		t.Fatal(err)
	}
	want := uintptr(unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
	if got != want {
		t.Fatalf("flags = %#x, want %#x", got, want)
	}
	if _, err := parseFlags([]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

func TestErrnoOrDefault(t *testing.T) {
	if v, err := errnoOrDefault(nil, "f"); err != nil || v != uint16(unix.EPERM) {
		t.Fatalf("nil errnoRet = %d, %v; want EPERM", v, err)
	}
	n := uint(38)
	if v, err := errnoOrDefault(&n, "f"); err != nil || v != 38 {
		t.Fatalf("errnoRet 38 = %d, %v", v, err)
	}
	big := uint(0x10000)
	if _, err := errnoOrDefault(&big, "f"); err == nil {
		t.Fatal("errnoRet 0x10000 accepted")
	}
}
