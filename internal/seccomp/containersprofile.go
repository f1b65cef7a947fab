package seccomp

import (
	"encoding/json"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ContainersProfilePath is containers-common's default seccomp profile, the
// one podman and CRI-O turn into linux.seccomp for every container.
const ContainersProfilePath = "/usr/share/containers/seccomp.json"

// ContainersDefaultCaps is podman's default capability set
// (containers.conf default_capabilities), the set its default profile is
// resolved against.
var ContainersDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT",
}

// containersFilter is the includes/excludes part of a containers-common rule.
type containersFilter struct {
	Arches []string `json:"arches"`
	Caps   []string `json:"caps"`
}

// containersProfile is containers-common's seccomp.json format: an OCI
// profile plus per-arch and per-capability conditions that the engine
// resolves before it calls the runtime.
type containersProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch specs.Arch   `json:"architecture"`
		Subs []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		Names    []string                 `json:"names"`
		Action   specs.LinuxSeccompAction `json:"action"`
		ErrnoRet *uint                    `json:"errnoRet"`
		Args     []specs.LinuxSeccompArg  `json:"args"`
		Includes containersFilter         `json:"includes"`
		Excludes containersFilter         `json:"excludes"`
	} `json:"syscalls"`
}

// goArchToSeccomp maps a GOARCH name (what the profile's includes/excludes
// arches say) to the archMap entry's native architecture.
var goArchToSeccomp = map[string]specs.Arch{
	"386":      specs.ArchX86,
	"amd64":    specs.ArchX86_64,
	"arm":      specs.ArchARM,
	"arm64":    specs.ArchAARCH64,
	"loong64":  specs.ArchLOONGARCH64,
	"mips":     specs.ArchMIPS,
	"mips64":   specs.ArchMIPS64,
	"mips64le": specs.ArchMIPSEL64,
	"mipsle":   specs.ArchMIPSEL,
	"ppc64":    specs.ArchPPC64,
	"ppc64le":  specs.ArchPPC64LE,
	"riscv64":  specs.ArchRISCV64,
	"s390x":    specs.ArchS390X,
}

// FromContainersProfile converts a containers-common seccomp.json (raw) into
// the linux.seccomp podman hands the runtime for a container on arch (a
// GOARCH name) with capabilities caps: architectures come from the archMap
// entry of arch, and a rule is kept only if its includes/excludes arches
// admit arch, caps holds all of its includes.caps and none of its
// excludes.caps. Tests and the benchmark use it to run hull under the
// profile real podman containers get.
func FromContainersProfile(raw []byte, arch string, caps []string) (*specs.LinuxSeccomp, error) {
	native, ok := goArchToSeccomp[arch]
	if !ok {
		return nil, fmt.Errorf("containers seccomp profile: unknown architecture %q", arch)
	}
	var c containersProfile
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("parse containers seccomp profile: %w", err)
	}
	out := &specs.LinuxSeccomp{DefaultAction: c.DefaultAction, DefaultErrnoRet: c.DefaultErrnoRet}
	for _, m := range c.ArchMap {
		if m.Arch == native {
			out.Architectures = append([]specs.Arch{m.Arch}, m.Subs...)
		}
	}
	has := func(c string) bool { return slices.Contains(caps, c) }
	for _, s := range c.Syscalls {
		if len(s.Includes.Arches) > 0 && !slices.Contains(s.Includes.Arches, arch) {
			continue
		}
		if slices.Contains(s.Excludes.Arches, arch) {
			continue
		}
		if !allOf(s.Includes.Caps, has) || slices.ContainsFunc(s.Excludes.Caps, has) {
			continue
		}
		out.Syscalls = append(out.Syscalls, specs.LinuxSyscall{Names: s.Names, Action: s.Action, ErrnoRet: s.ErrnoRet, Args: s.Args})
	}
	return out, nil
}

func allOf(list []string, f func(string) bool) bool {
	for _, l := range list {
		if !f(l) {
			return false
		}
	}
	return true
}
