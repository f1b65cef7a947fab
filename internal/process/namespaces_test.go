package process

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func ns(types ...specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, t := range types {
		out = append(out, specs.LinuxNamespace{Type: t})
	}
	return out
}

func TestPlanNewPidWithoutUserNSUsesClone(t *testing.T) {
	p, err := planNamespaces(&specs.Linux{Namespaces: ns("pid", "mount", "network")})
	if err != nil {
		t.Fatal(err)
	}
	if p.goClone != unix.CLONE_NEWPID || p.boot.Fork {
		t.Fatalf("want CLONE_NEWPID on the clone and no fork, got %#x fork=%v", p.goClone, p.boot.Fork)
	}
	if p.boot.CloneFlags != unix.CLONE_NEWNS|unix.CLONE_NEWNET {
		t.Fatalf("unshare flags %#x", p.boot.CloneFlags)
	}
}

func TestPlanUserNSForcesFork(t *testing.T) {
	p, err := planNamespaces(&specs.Linux{Namespaces: ns("user", "pid", "mount")})
	if err != nil {
		t.Fatal(err)
	}
	if p.goClone != 0 || !p.boot.Fork || !p.newUser {
		t.Fatalf("pid ns must be unshared after the user ns, with a fork: %+v", p)
	}
	if p.boot.CloneFlags&unix.CLONE_NEWPID == 0 || p.boot.CloneFlags&unix.CLONE_NEWUSER == 0 {
		t.Fatalf("unshare flags %#x", p.boot.CloneFlags)
	}
}

func TestPlanJoins(t *testing.T) {
	l := &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: "network", Path: "/run/netns/x"}, {Type: "pid", Path: "/proc/1/ns/pid"}, {Type: "mount"}}}
	p, err := planNamespaces(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.boot.Joins) != 2 || !p.boot.Fork {
		t.Fatalf("joins %+v fork %v", p.boot.Joins, p.boot.Fork)
	}
	if p.boot.CloneFlags != unix.CLONE_NEWNS {
		t.Fatalf("unshare %#x", p.boot.CloneFlags)
	}
}

func TestPlanTimeNS(t *testing.T) {
	l := &specs.Linux{Namespaces: ns("time"), TimeOffsets: map[string]specs.LinuxTimeOffset{"boottime": {Secs: 5}, "monotonic": {Secs: -1, Nanosecs: 7}}}
	p, err := planNamespaces(l)
	if err != nil {
		t.Fatal(err)
	}
	if !p.boot.Fork || p.boot.TimeOffsets != "monotonic -1 7\nboottime 5 0\n" {
		t.Fatalf("%+v", p.boot)
	}
}

func TestPlanUnknownType(t *testing.T) {
	if _, err := planNamespaces(&specs.Linux{Namespaces: ns("bogus")}); err == nil {
		t.Fatal("unknown namespace type accepted")
	}
}
