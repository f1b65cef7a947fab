package seccomp

import specs "github.com/opencontainers/runtime-spec/specs-go"

// KillsByDefault reports whether a profile's default action ends or traps
// the caller: hull's own steps after the filter is loaded (the waiting
// init's fifo open, its execve) then have to be on the profile's allow list,
// so an init that has such steps to take keeps the Go init, which waits
// before the last ones.
func KillsByDefault(a specs.LinuxSeccompAction) bool {
	switch a {
	case specs.ActKill, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap:
		return true
	}
	return false
}
