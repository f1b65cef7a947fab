package process

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/syncproto"
)

var cloneFlagOf = map[specs.LinuxNamespaceType]uint32{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// nsPlan is how the init gets its namespaces.
type nsPlan struct {
	boot     syncproto.BootstrapData
	goClone  uintptr // flags for the clone itself (only CLONE_NEWPID, when no fork is needed)
	newUser  bool
	userNS   bool // new or joined user namespace
	newMount bool
	newPid   bool
	newNet   bool
}

// planNamespaces decides which namespaces the C constructor joins and
// unshares. The init is pid 1 of a new pid namespace straight from the
// clone when it can be (no user namespace involved: the pid namespace must be
// owned by the container's user namespace, so then it is unshared after it
// and the constructor forks). A joined pid namespace, and any time namespace,
// also need the fork: both apply to children only.
func planNamespaces(l *specs.Linux) (*nsPlan, error) {
	p := &nsPlan{}
	if l == nil {
		return p, nil
	}
	var unshare uint32
	needFork := false
	for i, ns := range l.Namespaces {
		flag, ok := cloneFlagOf[ns.Type]
		if !ok {
			return nil, fmt.Errorf("linux.namespaces[%d]: unknown type %q", i, ns.Type)
		}
		if ns.Type == specs.UserNamespace {
			p.userNS = true
		}
		if ns.Path != "" {
			if ns.Type == specs.MountNamespace {
				// As runc: the rootfs is set up in a joined mount
				// namespace too.
				p.newMount = true
			}
			p.boot.Joins = append(p.boot.Joins, syncproto.Join{Type: flag, Path: ns.Path})
			if ns.Type == specs.PIDNamespace || ns.Type == specs.TimeNamespace {
				needFork = true
			}
			continue
		}
		switch ns.Type {
		case specs.UserNamespace:
			p.newUser = true
		case specs.MountNamespace:
			p.newMount = true
		case specs.PIDNamespace:
			p.newPid = true
		case specs.NetworkNamespace:
			p.newNet = true
		case specs.TimeNamespace:
			needFork = true
			p.boot.TimeOffsets = timeOffsets(l.TimeOffsets)
		}
		unshare |= flag
	}
	if p.newPid && !p.userNS && !needFork {
		p.goClone = unix.CLONE_NEWPID
		unshare &^= unix.CLONE_NEWPID
	} else if p.newPid {
		needFork = true
	}
	p.boot.CloneFlags = unshare
	p.boot.Fork = needFork
	return p, nil
}

func timeOffsets(m map[string]specs.LinuxTimeOffset) string {
	s := ""
	for _, clock := range []string{"monotonic", "boottime"} {
		if o, ok := m[clock]; ok {
			s += fmt.Sprintf("%s %d %d\n", clock, o.Secs, o.Nanosecs)
		}
	}
	return s
}
