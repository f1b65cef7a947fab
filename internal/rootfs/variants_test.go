package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() {
	scenarios["userns-devices"] = scenarioUserNSDevices
	scenarios["nopivot"] = scenarioNoPivot
	scenarios["devnull-swap"] = scenarioDevNullSwap
	scenarios["propagation"] = scenarioPropagation
	scenarios["errors"] = scenarioErrors
}

func minimalRootfs(t *testing.T) string {
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	mustMkdir(t, filepath.Join(rootfs, "proc"))
	mustWrite(t, filepath.Join(rootfs, "MARKER"), "rootfs")
	return rootfs
}

func minimalSpec(rootfs string) *specs.Spec {
	return &specs.Spec{
		Root: &specs.Root{Path: rootfs},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}},
		},
		Linux: &specs.Linux{},
	}
}

func runAll(c *Config) error {
	if err := Setup(c); err != nil {
		return err
	}
	if err := Pivot(c); err != nil {
		return err
	}
	return Finalize(c)
}

func mountsByPoint() (map[string]*mountinfo.Info, error) {
	ms, err := mountinfo.GetMounts(nil)
	if err != nil {
		return nil, err
	}
	out := map[string]*mountinfo.Info{}
	for _, m := range ms {
		out[m.Mountpoint] = m
	}
	return out, nil
}

// TestUserNSDevices: with UserNS set, device nodes are host nodes
// bind-mounted onto empty files (mknod is impossible in a user namespace),
// FIFOs are still mknod'ed, and a ro /dev is remounted ro by Finalize.
func TestUserNSDevices(t *testing.T) {
	rootfs := minimalRootfs(t)
	runInChild(t, "userns-devices", scenarioArgs{Rootfs: rootfs})
}

func scenarioUserNSDevices(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	spec.Mounts[1].Options = append(spec.Mounts[1].Options, "ro")
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fifo", Type: "p"}}
	if err := runAll(&Config{Spec: spec, Rootfs: a.Rootfs, UserNS: true}); err != nil {
		return err
	}
	ck := &check{}
	mp, err := mountsByPoint()
	if err != nil {
		return err
	}
	for _, d := range defaultDevices {
		if mp[d.Path] == nil {
			ck.fail("%s is not a bind mount", d.Path)
		}
		var st unix.Stat_t
		if err := unix.Stat(d.Path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR ||
			unix.Major(st.Rdev) != uint32(d.Major) || unix.Minor(st.Rdev) != uint32(d.Minor) {
			ck.fail("%s: %+v %v", d.Path, st, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat("/dev/fifo", &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO || mp["/dev/fifo"] != nil {
		ck.fail("/dev/fifo should be a mknod'ed fifo: %v", err)
	}
	if m := mp["/dev"]; m == nil || !hasOpt(m.Options, "ro") {
		ck.fail("/dev should be read-only after Finalize: %+v", m)
	}
	expectErrno(ck, "create /dev/x", writeFile("/dev/x"), unix.EROFS)
	return ck.err()
}

// TestNoPivot: MS_MOVE + chroot reaches the same root, and host
// proc/sysfs mounts outside the rootfs are gone from the namespace.
func TestNoPivot(t *testing.T) {
	rootfs := minimalRootfs(t)
	runInChild(t, "nopivot", scenarioArgs{Rootfs: rootfs, Paths: map[string]string{"base": filepath.Dir(rootfs)}})
}

func scenarioNoPivot(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	spec.Root.Readonly = true
	if err := runAll(&Config{Spec: spec, Rootfs: a.Rootfs, NoPivot: true}); err != nil {
		return err
	}
	ck := &check{}
	if b, err := os.ReadFile("/MARKER"); err != nil || string(b) != "rootfs" {
		ck.fail("/MARKER = %q %v", b, err)
	}
	if _, err := os.Stat(a.Paths["base"]); !errors.Is(err, os.ErrNotExist) {
		ck.fail("host path reachable after chroot: %v", err)
	}
	if wd, _ := os.Getwd(); wd != "/" {
		ck.fail("cwd = %q", wd)
	}
	expectErrno(ck, "create /x", writeFile("/x"), unix.EROFS)
	ms, err := mountinfo.GetMounts(nil)
	if err != nil {
		return err
	}
	procs := 0
	for _, m := range ms {
		if m.FSType == "proc" {
			procs++
		}
	}
	if procs != 1 {
		ck.fail("want only the container's procfs in the namespace, found %d", procs)
	}
	return ck.err()
}

// TestDevNullSwap covers CVE-2025-31133 (a /dev/null replaced by a symlink
// or file must not be used for maskedPaths) and CVE-2025-52565 (a symlinked
// /dev/console must not redirect the console bind), plus a working console
// bind of a real pty.
func TestDevNullSwap(t *testing.T) {
	rootfs := minimalRootfs(t)
	runInChild(t, "devnull-swap", scenarioArgs{Rootfs: rootfs})
}

func scenarioDevNullSwap(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	c := &Config{Spec: spec, Rootfs: a.Rootfs}
	if err := Setup(c); err != nil {
		return err
	}
	if err := Pivot(c); err != nil {
		return err
	}
	ck := &check{}

	// Real pty onto /dev/console.
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open ptmx: %w", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlockpt: %w", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("ptsname: %w", err)
	}
	pty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer pty.Close()
	if err := MountConsole(pty); err != nil {
		ck.fail("MountConsole: %v", err)
	} else {
		var st, pst unix.Stat_t
		_ = unix.Fstat(int(pty.Fd()), &pst)
		if err := unix.Stat("/dev/console", &st); err != nil || st.Rdev != pst.Rdev {
			ck.fail("/dev/console is not the pty: %v", err)
		}
	}
	// CVE-2025-52565: /dev/console as a symlink into procfs.
	_ = unix.Unmount("/dev/console", unix.MNT_DETACH)
	_ = os.Remove("/dev/console")
	if err := os.Symlink("/proc/sys/kernel/core_pattern", "/dev/console"); err != nil {
		return err
	}
	if err := MountConsole(pty); err == nil {
		ck.fail("MountConsole followed a /dev/console symlink")
	}
	mp, err := mountsByPoint()
	if err != nil {
		return err
	}
	if mp["/proc/sys/kernel/core_pattern"] != nil {
		ck.fail("console bind landed on core_pattern")
	}

	// CVE-2025-31133: /dev/null swapped for a symlink, then a regular file.
	spec.Linux.MaskedPaths = []string{"/proc/kcore", "/proc/meminfo"}
	for _, swap := range []func() error{
		func() error { return os.Symlink("/proc/sys/kernel/core_pattern", "/dev/null") },
		func() error { return os.WriteFile("/dev/null", nil, 0o666) },
	} {
		if err := os.Remove("/dev/null"); err != nil {
			return err
		}
		if err := swap(); err != nil {
			return err
		}
		err := Finalize(c)
		if err == nil || !strings.Contains(err.Error(), "not the null device") {
			ck.fail("Finalize with fake /dev/null: err = %v", err)
		}
	}
	mp, err = mountsByPoint()
	if err != nil {
		return err
	}
	for _, p := range []string{"/proc/meminfo", "/proc/kcore"} {
		if mp[p] != nil {
			ck.fail("%s was masked with a fake /dev/null", p)
		}
	}
	return ck.err()
}

// TestRootPropagation: rootfsPropagation is applied to the new root.
// "unbindable" must not break the rootfs bind onto itself (runtime-tools'
// linux_rootfs_propagation, EINVAL from binding an unbindable mount).
func TestRootPropagation(t *testing.T) {
	for _, prop := range []string{"rshared", "rprivate", "unbindable", "runbindable"} {
		t.Run(prop, func(t *testing.T) {
			rootfs := minimalRootfs(t)
			runInChild(t, "propagation", scenarioArgs{Rootfs: rootfs, Paths: map[string]string{"prop": prop}})
		})
	}
}

func scenarioPropagation(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	spec.Linux.RootfsPropagation = a.Paths["prop"]
	if err := runAll(&Config{Spec: spec, Rootfs: a.Rootfs}); err != nil {
		return err
	}
	mp, err := mountsByPoint()
	if err != nil {
		return err
	}
	root := mp["/"]
	if root == nil {
		return errors.New("no / mount")
	}
	shared := strings.Contains(root.Optional, "shared:")
	if want := a.Paths["prop"] == "rshared"; shared != want {
		return fmt.Errorf("/ optional fields %q, want shared=%v", root.Optional, want)
	}
	unbindable := strings.Contains(root.Optional, "unbindable")
	if want := strings.HasSuffix(a.Paths["prop"], "unbindable"); unbindable != want {
		return fmt.Errorf("/ optional fields %q, want unbindable=%v", root.Optional, want)
	}
	return nil
}

// TestMountErrors: errors name the mount, and mounts into /proc are
// restricted as runc restricts them.
func TestMountErrors(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	mustMkdir(t, filepath.Join(rootfs, "proc"))
	if err := os.Symlink("/proc", filepath.Join(rootfs, "pp")); err != nil {
		t.Fatal(err)
	}
	runInChild(t, "errors", scenarioArgs{Rootfs: rootfs, Bundle: base})
}

func scenarioErrors(a scenarioArgs) error {
	ck := &check{}
	for _, tc := range []struct {
		m    specs.Mount
		want string
	}{
		{specs.Mount{Destination: "/x", Type: "nosuchfs", Source: "none"}, "mount none on /x (type nosuchfs): no such device"},
		{specs.Mount{Destination: "/y", Type: "bind", Source: "/does/not/exist", Options: []string{"bind"}}, "mount /does/not/exist on /y (type bind): stat source"},
		{specs.Mount{Destination: "/proc/foo", Type: "tmpfs", Source: "tmpfs"}, "inside /proc"},
		{specs.Mount{Destination: "/pp/sys", Type: "tmpfs", Source: "tmpfs"}, "resolves inside /proc"},
		{specs.Mount{Destination: "/proc", Type: "tmpfs", Source: "tmpfs"}, "not of type proc"},
		{specs.Mount{Destination: "/z", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}, "mount tmpfs on /z (type tmpfs): mount option \"idmap\""},
	} {
		spec := &specs.Spec{Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}, tc.m}}
		err := Setup(&Config{Spec: spec, Rootfs: a.Rootfs, Bundle: a.Bundle})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			ck.fail("%s: err = %v, want %q", tc.m.Destination, err, tc.want)
		}
	}
	// The allowlisted lxcfs-style file bind is accepted.
	spec := &specs.Spec{Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/proc/uptime", Type: "bind", Source: "/proc/uptime", Options: []string{"bind"}},
	}}
	if err := Setup(&Config{Spec: spec, Rootfs: a.Rootfs}); err != nil {
		ck.fail("allowlisted /proc/uptime bind refused: %v", err)
	}
	return ck.err()
}
