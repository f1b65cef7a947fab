package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() { scenarios["full"] = scenarioFull }

func mustMkdir(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func mustWrite(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFullLifecycle runs Setup, Pivot and Finalize with a runc-like spec and
// checks the result from inside the new root.
func TestFullLifecycle(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	bundle := filepath.Join(base, "bundle")
	srcDir := filepath.Join(base, "srcdir")
	srcFile := filepath.Join(base, "srcfile")
	rbindSrc := filepath.Join(base, "rbindsrc")
	mustMkdir(t, filepath.Join(rootfs, "proc"), filepath.Join(rootfs, "etc"), filepath.Join(rootfs, "opt/sub"),
		filepath.Join(bundle, "relsrc"), srcDir, filepath.Join(rbindSrc, "sub"))
	mustWrite(t, filepath.Join(rootfs, "MARKER"), "rootfs")
	mustWrite(t, filepath.Join(rootfs, "opt/a"), "copied")
	mustWrite(t, filepath.Join(rootfs, "opt/sub/b"), "deep")
	if err := os.Symlink("/does-not-exist-on-host", filepath.Join(rootfs, "opt/l")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(bundle, "relsrc/f"), "rel")
	mustWrite(t, srcFile, "rofile")
	_, kcoreErr := os.Lstat("/proc/kcore")
	runInChild(t, "full", scenarioArgs{Rootfs: rootfs, Bundle: bundle, Paths: map[string]string{
		"srcdir": srcDir, "srcfile": srcFile, "rbindsrc": rbindSrc, "base": base,
		"kcore": map[bool]string{true: "yes", false: "no"}[kcoreErr == nil],
	}})
	// The rw rbind wrote through to the host directory.
	if b, err := os.ReadFile(filepath.Join(srcDir, "written")); err != nil || string(b) != "hi" {
		t.Errorf("write through rw bind not visible on host: %q %v", b, err)
	}
	// The ro file bind was not modified.
	if b, _ := os.ReadFile(srcFile); string(b) != "rofile" {
		t.Errorf("ro bind source changed: %q", b)
	}
}

func fullSpec(a scenarioArgs) *specs.Spec {
	ns := []string{"nosuid", "noexec", "nodev"}
	mode := os.FileMode(0o600)
	fifoMode := os.FileMode(0o644)
	uid, gid := uint32(1000), uint32(1001)
	return &specs.Spec{
		Root: &specs.Root{Path: a.Rootfs, Readonly: true},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: ns},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: ns},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: append(ns, "ro")},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: append(ns, "relatime", "ro")},
			{Destination: "/data", Type: "bind", Source: a.Paths["srcdir"], Options: []string{"rbind", "rw"}},
			{Destination: "/etc/ro-file", Type: "bind", Source: a.Paths["srcfile"], Options: []string{"bind", "ro"}},
			{Destination: "/rrodir", Type: "none", Source: a.Paths["rbindsrc"], Options: []string{"rbind", "rro"}},
			{Destination: "/reldir", Type: "bind", Source: "relsrc", Options: []string{"bind", "ro", "nosuid"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m", "mode=1777"}},
			{Destination: "/opt", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "mode=755"}},
		},
		Linux: &specs.Linux{
			Devices: []specs.LinuxDevice{
				{Path: "/dev/mydev", Type: "c", Major: 1, Minor: 5, FileMode: &mode, UID: &uid, GID: &gid},
				{Path: "/dev/sub/myfifo", Type: "p", FileMode: &fifoMode},
			},
			MaskedPaths:   []string{"/proc/kcore", "/sys/firmware", "/proc/does-not-exist", "/proc/acpi"},
			ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger", "/proc/nonexistent"},
		},
	}
}

func scenarioFull(a scenarioArgs) error {
	// A submount inside the rbind source: rro must reach it.
	if err := unix.Mount("tmpfs", filepath.Join(a.Paths["rbindsrc"], "sub"), "tmpfs", 0, ""); err != nil {
		return err
	}
	ownCgroup, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	hostUnified := hostCgroupUnified()
	var hostHier []cgroupHierarchy
	if !hostUnified {
		ms, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
		if err != nil {
			return err
		}
		hostHier = v1Hierarchies(ms, parseProcCgroup(string(ownCgroup)))
	}
	c := &Config{Spec: fullSpec(a), Rootfs: a.Rootfs, Bundle: a.Bundle}
	if err := Setup(c); err != nil {
		return err
	}
	if err := Pivot(c); err != nil {
		return err
	}
	if err := Finalize(c); err != nil {
		return err
	}
	ck := &check{}

	if wd, _ := os.Getwd(); wd != "/" {
		ck.fail("cwd = %q", wd)
	}
	if _, err := os.Stat("/MARKER"); err != nil {
		ck.fail("rootfs marker missing: %v", err)
	}
	if _, err := os.Stat(a.Paths["base"]); !errors.Is(err, os.ErrNotExist) {
		ck.fail("host path %s still reachable: %v", a.Paths["base"], err)
	}

	// Devices.
	for _, d := range defaultDevices {
		checkNode(ck, d.Path, unix.S_IFCHR, 0o666, 0, 0, uint32(d.Major), uint32(d.Minor))
	}
	checkNode(ck, "/dev/mydev", unix.S_IFCHR, 0o600, 1000, 1001, 1, 5)
	checkNode(ck, "/dev/sub/myfifo", unix.S_IFIFO, 0o644, 0, 0, 0, 0)
	links := map[string]string{"/dev/ptmx": "pts/ptmx", "/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
		"/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2"}
	if a.Paths["kcore"] == "yes" {
		links["/dev/core"] = "/proc/kcore"
	}
	for p, want := range links {
		if got, err := os.Readlink(p); err != nil || got != want {
			ck.fail("readlink %s = %q %v, want %q", p, got, err, want)
		}
	}

	// Read-only root and /dev stays writable (not ro in spec).
	expectErrno(ck, "create /newfile", writeFile("/newfile"), unix.EROFS)
	expectErrno(ck, "create /tmp/x", writeFile("/tmp/x"), 0)
	expectErrno(ck, "create /dev/shm/x", writeFile("/dev/shm/x"), 0)
	expectErrno(ck, "create /data/written", os.WriteFile("/data/written", []byte("hi"), 0o644), 0)
	expectErrno(ck, "write /etc/ro-file", writeFile("/etc/ro-file"), unix.EROFS)
	if b, err := os.ReadFile("/etc/ro-file"); err != nil || string(b) != "rofile" {
		ck.fail("read /etc/ro-file = %q %v", b, err)
	}
	expectErrno(ck, "create /rrodir/x", writeFile("/rrodir/x"), unix.EROFS)
	expectErrno(ck, "create /rrodir/sub/x (submount, rro)", writeFile("/rrodir/sub/x"), unix.EROFS)
	expectErrno(ck, "create /reldir/x", writeFile("/reldir/x"), unix.EROFS)
	if b, err := os.ReadFile("/reldir/f"); err != nil || string(b) != "rel" {
		ck.fail("bundle-relative bind: %q %v", b, err)
	}

	// tmpcopyup.
	if b, err := os.ReadFile("/opt/a"); err != nil || string(b) != "copied" {
		ck.fail("tmpcopyup /opt/a = %q %v", b, err)
	}
	if b, err := os.ReadFile("/opt/sub/b"); err != nil || string(b) != "deep" {
		ck.fail("tmpcopyup /opt/sub/b = %q %v", b, err)
	}
	if l, err := os.Readlink("/opt/l"); err != nil || l != "/does-not-exist-on-host" {
		ck.fail("tmpcopyup symlink = %q %v", l, err)
	}
	var sf unix.Statfs_t
	if err := unix.Statfs("/opt", &sf); err != nil || sf.Type != unix.TMPFS_MAGIC {
		ck.fail("/opt not tmpfs: %v", err)
	}

	// Masked and read-only paths. Only open for writing, never write: the
	// test shares the host's UTS namespace and sysrq.
	if _, err := os.Stat("/proc/kcore"); err == nil {
		if b, err := os.ReadFile("/proc/kcore"); err != nil || len(b) != 0 {
			ck.fail("masked /proc/kcore readable: %d bytes %v", len(b), err)
		}
	}
	if ents, err := os.ReadDir("/sys/firmware"); err != nil || len(ents) != 0 {
		ck.fail("masked /sys/firmware: %d entries %v", len(ents), err)
	}
	expectErrno(ck, "mkdir in masked /sys/firmware", os.Mkdir("/sys/firmware/x", 0o755), unix.EROFS)
	expectErrno(ck, "open /proc/sys/kernel/hostname O_WRONLY", openWrite("/proc/sys/kernel/hostname"), unix.EROFS)
	if _, err := os.Stat("/proc/sysrq-trigger"); err == nil {
		expectErrno(ck, "open /proc/sysrq-trigger O_WRONLY", openWrite("/proc/sysrq-trigger"), unix.EROFS)
	}

	// Mount table.
	mounts, err := mountinfo.GetMounts(nil)
	if err != nil {
		return err
	}
	byPoint := map[string]*mountinfo.Info{}
	for _, m := range mounts {
		byPoint[m.Mountpoint] = m
		if strings.HasPrefix(m.Mountpoint, a.Paths["base"]) {
			ck.fail("host path mount visible: %s", m.Mountpoint)
		}
	}
	expectMount(ck, byPoint, "/proc", "proc", "nosuid")
	expectMount(ck, byPoint, "/dev", "tmpfs", "nosuid")
	expectMount(ck, byPoint, "/dev/pts", "devpts", "noexec")
	expectMount(ck, byPoint, "/dev/mqueue", "mqueue", "nodev")
	expectMount(ck, byPoint, "/sys", "sysfs", "ro")
	if m := byPoint["/"]; m == nil || !hasOpt(m.Options, "ro") {
		ck.fail("/ not read-only: %+v", m)
	}
	if hostUnified {
		expectMount(ck, byPoint, "/sys/fs/cgroup", "cgroup2", "ro")
	} else {
		expectMount(ck, byPoint, "/sys/fs/cgroup", "tmpfs", "ro")
		if len(hostHier) == 0 {
			ck.fail("no host cgroup v1 hierarchies found")
		}
		own := parseProcCgroup(string(ownCgroup))
		for _, h := range hostHier {
			mp := "/sys/fs/cgroup/" + h.name
			m := byPoint[mp]
			if m == nil || m.FSType != "cgroup" || !hasOpt(m.Options, "ro") {
				ck.fail("cgroup hierarchy %s: %+v", mp, m)
				continue
			}
			if m.Root != own[h.controllers] {
				ck.fail("cgroup %s root = %s, want own cgroup %s", mp, m.Root, own[h.controllers])
			}
		}
	}
	return ck.err()
}

func checkNode(ck *check, p string, typ, perm, uid, gid, major, minor uint32) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		ck.fail("stat %s: %v", p, err)
		return
	}
	if st.Mode&unix.S_IFMT != typ || st.Mode&0o7777 != perm || st.Uid != uid || st.Gid != gid ||
		unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != minor {
		ck.fail("%s: mode %#o uid %d gid %d rdev %d:%d; want type %#o perm %#o %d:%d %d:%d", p, st.Mode, st.Uid, st.Gid,
			unix.Major(st.Rdev), unix.Minor(st.Rdev), typ, perm, uid, gid, major, minor)
	}
}

func writeFile(p string) error { return os.WriteFile(p, []byte("x"), 0o644) }

func openWrite(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err == nil {
		f.Close()
	}
	return err
}

// expectErrno checks err is want (0 meaning success).
func expectErrno(ck *check, what string, err error, want unix.Errno) {
	if want == 0 {
		if err != nil {
			ck.fail("%s: unexpected error %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		ck.fail("%s: got %v, want %v", what, err, want)
	}
}

func expectMount(ck *check, byPoint map[string]*mountinfo.Info, mp, fstype, opt string) {
	m := byPoint[mp]
	if m == nil {
		ck.fail("no mount at %s", mp)
		return
	}
	if m.FSType != fstype || !hasOpt(m.Options, opt) {
		ck.fail("mount %s: type %s opts %s; want %s with %s", mp, m.FSType, m.Options, fstype, opt)
	}
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}
