package rootfs

import (
	"path/filepath"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func init() { scenarios["cgroupns"] = scenarioCgroupNS }

// TestCgroupNamespace: with a cgroup namespace in the spec, the cgroup
// filesystem itself is mounted (rooted at the namespace's cgroup by the
// kernel) instead of bind-mounting host directories.
func TestCgroupNamespace(t *testing.T) {
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	mustMkdir(t, filepath.Join(rootfs, "proc"))
	runInChildFlags(t, "cgroupns", scenarioArgs{Rootfs: rootfs}, syscall.CLONE_NEWCGROUP)
}

func scenarioCgroupNS(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
		Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}})
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.CgroupNamespace}}
	if err := runAll(&Config{Spec: spec, Rootfs: a.Rootfs}); err != nil {
		return err
	}
	ck := &check{}
	mp, err := mountsByPoint()
	if err != nil {
		return err
	}
	found := 0
	for p, m := range mp {
		if filepath.Dir(p) != "/sys/fs/cgroup" || (m.FSType != "cgroup" && m.FSType != "cgroup2") {
			continue
		}
		found++
		// A fresh mount inside the namespace is rooted at "/", a host bind
		// would show the host path of our cgroup.
		if m.Root != "/" || !hasOpt(m.Options, "ro") {
			ck.fail("%s: root %s opts %s", p, m.Root, m.Options)
		}
	}
	if m := mp["/sys/fs/cgroup"]; m != nil && m.FSType == "cgroup2" {
		found++
	}
	if found == 0 {
		ck.fail("no cgroup mounts under /sys/fs/cgroup")
	}
	return ck.err()
}
