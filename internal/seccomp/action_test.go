package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKillsByDefault(t *testing.T) {
	for a, want := range map[specs.LinuxSeccompAction]bool{
		specs.ActKill: true, specs.ActKillProcess: true, specs.ActKillThread: true, specs.ActTrap: true,
		specs.ActErrno: false, specs.ActAllow: false, specs.ActLog: false, specs.ActNotify: false, specs.ActTrace: false,
	} {
		if got := KillsByDefault(a); got != want {
			t.Errorf("KillsByDefault(%s) = %v, want %v", a, got, want)
		}
	}
}
