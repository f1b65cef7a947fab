package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() { scenarios["escape"] = scenarioEscape }

// TestSymlinkEscape plants symlinks in the image that point at host
// directories (absolute, relative with "..", and "/") and checks that no
// mount, mknod or chown lands outside the rootfs (CVE-2021-30465 class).
// Every escape target is a temp dir, so a bug cannot damage the host.
func TestSymlinkEscape(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	hostDev := filepath.Join(base, "hostdev")
	hostMnt := filepath.Join(base, "hostmnt")
	hostDevs := filepath.Join(base, "hostdevs")
	mustMkdir(t, rootfs, hostDev, hostMnt, hostDevs)
	// The symlink targets also exist inside the rootfs: a dangling symlink
	// is refused by the scoped mkdir, which is fine but tests nothing.
	mustMkdir(t, filepath.Join(rootfs, hostDev), filepath.Join(rootfs, hostMnt))
	for link, target := range map[string]string{
		"dev":  hostDev,                                          // absolute symlink to a host dir
		"evil": strings.Repeat("../", 20) + hostMnt[1:],          // relative escape attempt
		"mnt":  "/",                                              // whole-root symlink
		"proc": filepath.Join(strings.Repeat("../", 10), "proc"), // /proc via symlink (CVE-2019-19921)
	} {
		if err := os.Symlink(target, filepath.Join(rootfs, link)); err != nil {
			t.Fatal(err)
		}
	}
	runInChild(t, "escape", scenarioArgs{Rootfs: rootfs, Paths: map[string]string{
		"hostdev": hostDev, "hostmnt": hostMnt, "hostdevs": hostDevs,
	}})
	for _, d := range []string{hostDev, hostMnt, hostDevs} {
		if ents, err := os.ReadDir(d); err != nil || len(ents) != 0 {
			t.Errorf("host dir %s was written through a symlink: %v %v", d, ents, err)
		}
	}
	// Scoped resolution put them inside the rootfs instead.
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(rootfs, hostDev, "mine"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Uid != 1234 {
		t.Errorf("dev -> %s should resolve inside the rootfs (and be chowned there): %+v %v", hostDev, st, err)
	}
}

func scenarioEscape(a scenarioArgs) error {
	before, err := mountinfo.GetMounts(nil)
	if err != nil {
		return err
	}
	ck := &check{}
	// proc on a symlinked /proc must be refused outright.
	err = Setup(&Config{Rootfs: a.Rootfs, Spec: &specs.Spec{Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
	}}})
	if err == nil || !strings.Contains(err.Error(), "ordinary directory") {
		ck.fail("proc on symlink: err = %v", err)
	}
	spec := &specs.Spec{
		Mounts: []specs.Mount{
			{Destination: "/evil/x", Type: "tmpfs", Source: "tmpfs"},
			{Destination: "/mnt" + a.Paths["hostmnt"] + "/y", Type: "tmpfs", Source: "tmpfs"},
			{Destination: "/mnt/sys", Type: "tmpfs", Source: "tmpfs"},
		},
		Linux: &specs.Linux{Devices: []specs.LinuxDevice{
			{Path: "/../../.." + a.Paths["hostdevs"] + "/null2", Type: "c", Major: 1, Minor: 3},
			{Path: "/mnt/dev/mine", Type: "c", Major: 1, Minor: 3, UID: u32(1234)},
		}},
	}
	if err := Setup(&Config{Rootfs: a.Rootfs, Spec: spec}); err != nil {
		return err
	}
	after, err := mountinfo.GetMounts(nil)
	if err != nil {
		return err
	}
	old := map[string]bool{}
	for _, m := range before {
		old[m.Mountpoint] = true
	}
	for _, m := range after {
		if !old[m.Mountpoint] && !pathContains(a.Rootfs, m.Mountpoint) {
			ck.fail("mount escaped the rootfs: %s (%s)", m.Mountpoint, m.FSType)
		}
	}
	// The host's /dev/null (visible here, we did not pivot) is untouched.
	var st unix.Stat_t
	if err := unix.Lstat("/dev/null", &st); err != nil || st.Uid != 0 || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		ck.fail("host /dev/null changed: %+v %v", st, err)
	}
	// In-root results exist.
	for _, p := range []string{
		filepath.Join(a.Rootfs, a.Paths["hostmnt"], "x"),
		filepath.Join(a.Rootfs, a.Paths["hostmnt"], "y"),
		filepath.Join(a.Rootfs, "sys"),
	} {
		var sf unix.Statfs_t
		if err := unix.Statfs(p, &sf); err != nil || sf.Type != unix.TMPFS_MAGIC {
			ck.fail("%s should be a tmpfs inside the rootfs: %v", p, err)
		}
	}
	return ck.err()
}
