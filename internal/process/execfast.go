package process

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/caps"
	"github.com/hull-runtime/hull/internal/procattr"
	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/spec"
	"github.com/hull-runtime/hull/internal/syncproto"
)

// fastExec returns what the C constructor needs to finish a `hull exec`
// itself (internal/nsenter/exec_fast.h), or nil when the Go init must: an
// SELinux label, personality, scheduler, I/O priority or memory policy, a
// seccomp notify listener, an AppArmor profile on a host without AppArmor
// (the Go init reports it), or anything this cannot carry (an unknown rlimit,
// a NUL in an argument) take the Go path, which also reports their errors. Skipping the joining process's Go runtime
// saves about 2 ms of CPU per exec here.
func fastExec(s *specs.Spec, preserveFds int, filter *seccomp.Filter) *syncproto.ExecData {
	p := s.Process
	if p == nil || len(p.Args) == 0 || p.SelinuxLabel != "" || p.Scheduler != nil || p.IOPriority != nil ||
		p.ApparmorProfile != "" && !procattr.AppArmorEnabled() {
		return nil
	}
	if l := s.Linux; l != nil && (l.Personality != nil || l.MemoryPolicy != nil) {
		return nil
	}
	for _, list := range [][]string{p.Args, p.Env, {p.Cwd, p.ApparmorProfile}} {
		for _, v := range list {
			if strings.IndexByte(v, 0) >= 0 {
				return nil
			}
		}
	}
	e := &syncproto.ExecData{
		UID: p.User.UID, GID: p.User.GID, NoNewPrivs: p.NoNewPrivileges,
		OOMScoreAdj: p.OOMScoreAdj, Umask: p.User.Umask, PreserveFds: uint32(preserveFds),
		Cwd: p.Cwd, Args: p.Args, Env: p.Env, Terminal: p.Terminal, AppArmor: p.ApparmorProfile,
	}
	if p.Terminal && p.ConsoleSize != nil {
		e.ConsoleSize = &[2]uint32{uint32(p.ConsoleSize.Height), uint32(p.ConsoleSize.Width)}
	}
	e.Groups = append(e.Groups, p.User.AdditionalGids...)
	e.Eff, e.Prm, e.Inh, e.Amb, e.Bnd = caps.Masks(p.Capabilities)
	for _, rl := range p.Rlimits {
		res, ok := spec.Rlimits[rl.Type]
		if !ok {
			return nil
		}
		e.Rlimits = append(e.Rlimits, syncproto.ExecRlimit{Resource: uint32(res), Soft: rl.Soft, Max: rl.Hard})
	}
	if filter != nil {
		if filter.Notify() {
			return nil
		}
		prog, flags := filter.Program()
		e.Seccomp, e.SeccompFlags = prog, uint32(flags)
	}
	return e
}
