package seccomp

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// miniProfile has one rule per condition FromContainersProfile resolves.
const miniProfile = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
  ],
  "syscalls": [
    {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
    {"names": ["not_on_amd64"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
    {"names": ["acct"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PACCT"]}},
    {"names": ["two_caps"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN", "CAP_KILL"]}},
    {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_PACCT"]}},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
  ]
}`

func names(p *specs.LinuxSeccomp) []string {
	var out []string
	for _, s := range p.Syscalls {
		out = append(out, s.Names...)
	}
	return out
}

func TestFromContainersProfile(t *testing.T) {
	p, err := FromContainersProfile([]byte(miniProfile), "amd64", []string{"CAP_CHOWN"})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != specs.ActErrno || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 38 {
		t.Errorf("default = %s %v", p.DefaultAction, p.DefaultErrnoRet)
	}
	if want := []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}; !reflect.DeepEqual(p.Architectures, want) {
		t.Errorf("architectures = %v, want %v", p.Architectures, want)
	}
	// two_caps needs CAP_KILL too; acct is allowed only with CAP_SYS_PACCT
	// and gets the EPERM rule without it.
	if got, want := names(p), []string{"getpid", "arch_prctl", "acct", "personality"}; !reflect.DeepEqual(got, want) {
		t.Errorf("syscalls = %v, want %v", got, want)
	}
	if acct := p.Syscalls[2]; acct.Action != specs.ActErrno || acct.ErrnoRet == nil || *acct.ErrnoRet != 1 {
		t.Errorf("acct rule = %+v, want the EPERM one", acct)
	}
	if args := p.Syscalls[3].Args; len(args) != 1 || args[0] != (specs.LinuxSeccompArg{Index: 0, Value: 8, Op: specs.OpEqualTo}) {
		t.Errorf("personality args = %+v", args)
	}

	p, err = FromContainersProfile([]byte(miniProfile), "arm64", []string{"CAP_CHOWN", "CAP_KILL", "CAP_SYS_PACCT"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []specs.Arch{specs.ArchAARCH64, specs.ArchARM}; !reflect.DeepEqual(p.Architectures, want) {
		t.Errorf("arm64 architectures = %v, want %v", p.Architectures, want)
	}
	if got, want := names(p), []string{"getpid", "not_on_amd64", "acct", "two_caps", "personality"}; !reflect.DeepEqual(got, want) {
		t.Errorf("arm64 syscalls = %v, want %v", got, want)
	}
}

func TestFromContainersProfileErrors(t *testing.T) {
	if _, err := FromContainersProfile([]byte(miniProfile), "vax", nil); err == nil {
		t.Error("unknown arch: no error")
	}
	if _, err := FromContainersProfile([]byte(`{"syscalls": 3}`), "amd64", nil); err == nil {
		t.Error("bad JSON: no error")
	}
}

// The real profile, where the host has containers-common: it converts, and
// acct (CAP_SYS_PACCT) is denied with the default capabilities.
func TestFromContainersProfileInstalled(t *testing.T) {
	raw, err := os.ReadFile(ContainersProfilePath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no containers-common: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	p, err := FromContainersProfile(raw, "amd64", ContainersDefaultCaps)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Architectures) == 0 || p.Architectures[0] != specs.ArchX86_64 || len(p.Syscalls) < 10 {
		t.Fatalf("profile = %d archs %v, %d rules", len(p.Architectures), p.Architectures, len(p.Syscalls))
	}
	for _, s := range p.Syscalls {
		if slices.Contains(s.Names, "acct") && s.Action == specs.ActAllow {
			t.Errorf("acct allowed without CAP_SYS_PACCT: %+v", s)
		}
	}
}
