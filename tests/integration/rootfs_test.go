package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// mountEntry is one /proc/self/mountinfo line as seen inside a container.
type mountEntry struct {
	point   string
	opts    []string // per-mount options (ro, nosuid, ...)
	fstype  string
	source  string
	superOp []string
}

// parseMountinfo parses mountinfo text printed by a container.
func parseMountinfo(text string) map[string]mountEntry {
	out := map[string]mountEntry{}
	for _, l := range lines(text) {
		f := strings.Fields(l)
		sep := slices.Index(f, "-")
		if len(f) < 7 || sep < 6 || sep+3 > len(f) {
			continue
		}
		// Later entries over-mount earlier ones at the same point.
		out[f[4]] = mountEntry{point: f[4], opts: strings.Split(f[5], ","), fstype: f[sep+1], source: f[sep+2], superOp: strings.Split(f[sep+3], ",")}
	}
	return out
}

// TestReadonlyRoot: root.readonly makes / read-only.
func TestReadonlyRoot(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, `touch /x 2>&1; echo "rc=$?"`, func(s *specs.Spec) { s.Root.Readonly = true })
	if !strings.Contains(out, "rc=1") || !strings.Contains(out, "Read-only file system") {
		t.Errorf("touch / on a read-only root: %q", out)
	}
}

// TestNoPivot: --no-pivot still confines the container to its rootfs.
func TestNoPivot(t *testing.T) {
	t.Parallel()
	r, b, _ := runScript(t, "ls /; echo ok > /marker", nil, "--no-pivot")
	out := testutil.MustOK(t, r).Stdout
	for _, want := range []string{"bin", "etc", "proc"} {
		if !slices.Contains(strings.Fields(out), want) {
			t.Errorf("ls / with --no-pivot = %q, missing %s", out, want)
		}
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "marker")); err != nil {
		t.Errorf("/marker written inside did not land in the rootfs: %v", err)
	}
}

// TestMounts: tmpfs and bind mounts get their options; a ro bind is not
// writable and an rw bind writes through to the host directory.
func TestMounts(t *testing.T) {
	t.Parallel()
	roDir := testutil.TempDir(t, "ro-")
	rwDir := testutil.TempDir(t, "rw-")
	if err := os.WriteFile(filepath.Join(roDir, "data"), []byte("from-host"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `cat /mnt/ro/data; echo
touch /mnt/ro/new 2>/dev/null && echo ro-writable || echo ro-refused
echo inside > /mnt/rw/new && echo rw-ok
cat /proc/self/mountinfo`
	out := scriptOutput(t, script, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/mnt/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "noexec", "size=1m", "mode=1777"}},
			specs.Mount{Destination: "/mnt/ro", Type: "bind", Source: roDir, Options: []string{"rbind", "ro", "nosuid"}},
			specs.Mount{Destination: "/mnt/rw", Type: "bind", Source: rwDir, Options: []string{"bind"}},
		)
	})
	l := lines(out)
	if len(l) < 3 || l[0] != "from-host" || l[1] != "ro-refused" || l[2] != "rw-ok" {
		t.Fatalf("bind mount behaviour: %q", out)
	}
	mi := parseMountinfo(out)
	tmp, ok := mi["/mnt/tmp"]
	if !ok || tmp.fstype != "tmpfs" || !slices.Contains(tmp.opts, "nosuid") || !slices.Contains(tmp.opts, "nodev") || !slices.Contains(tmp.opts, "noexec") {
		t.Errorf("/mnt/tmp mount: %+v", tmp)
	}
	// The device name is what mount(2) was given, also where hull mounts
	// /proc with the new mount API (rootfs/procpidns.go): runtime-tools'
	// validation matches it.
	if p, ok := mi["/proc"]; !ok || p.fstype != "proc" || p.source != "proc" {
		t.Errorf("/proc mount: %+v, want type proc from source proc", p)
	}
	if ro, ok := mi["/mnt/ro"]; !ok || !slices.Contains(ro.opts, "ro") || !slices.Contains(ro.opts, "nosuid") {
		t.Errorf("/mnt/ro mount: %+v", ro)
	}
	if _, err := os.Stat(filepath.Join(roDir, "new")); err == nil {
		t.Errorf("write through a ro bind reached the host")
	}
	if data, err := os.ReadFile(filepath.Join(rwDir, "new")); err != nil || strings.TrimSpace(string(data)) != "inside" {
		t.Errorf("rw bind did not write through: %q %v", data, err)
	}
}

// TestMaskedAndReadonlyPaths: maskedPaths read empty, readonlyPaths are ro.
func TestMaskedAndReadonlyPaths(t *testing.T) {
	t.Parallel()
	// /proc/kcore is absent on kernels without CONFIG_PROC_KCORE: mask the
	// first sensitive /proc file this kernel has.
	file := ""
	for _, p := range []string{"/proc/kcore", "/proc/timer_list", "/proc/keys", "/proc/sched_debug"} {
		if _, err := os.Stat(p); err == nil {
			file = p
			break
		}
	}
	if file == "" {
		t.Skip("no maskable /proc file on this kernel")
	}
	out := scriptOutput(t, "wc -c < "+file+"; ls /sys/firmware | wc -l; cat /proc/self/mountinfo", func(s *specs.Spec) {
		for _, p := range []string{file, "/sys/firmware"} {
			if !slices.Contains(s.Linux.MaskedPaths, p) {
				s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, p)
			}
		}
		if !slices.Contains(s.Linux.ReadonlyPaths, "/proc/sys") {
			s.Linux.ReadonlyPaths = append(s.Linux.ReadonlyPaths, "/proc/sys")
		}
	})
	l := lines(out)
	if len(l) < 2 || strings.TrimSpace(l[0]) != "0" || strings.TrimSpace(l[1]) != "0" {
		t.Errorf("masked %s size and /sys/firmware entries: %q, want 0 and 0", file, l[:min(2, len(l))])
	}
	mi := parseMountinfo(out)
	if sys, ok := mi["/proc/sys"]; !ok || !slices.Contains(sys.opts, "ro") {
		t.Errorf("/proc/sys not mounted read-only: %+v", sys)
	}
}

// TestDevices: /dev/null is the real 1:3 node and linux.devices entries get
// their type, numbers, mode and owner.
func TestDevices(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, `stat -c '%t:%T %u:%g %a %F' /dev/null /dev/hulltest; echo x > /dev/null && echo null-ok`, func(s *specs.Spec) {
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{
			Path: "/dev/hulltest", Type: "c", Major: 1, Minor: 5,
			FileMode: ptr(os.FileMode(0o640)), UID: ptr(uint32(1000)), GID: ptr(uint32(1000)),
		})
	})
	want := "1:3 0:0 666 character special file\n1:5 1000:1000 640 character special file\nnull-ok"
	if out != want {
		t.Errorf("devices inside:\n%s\nwant:\n%s", out, want)
	}
}

// TestDevShm: the default /dev/shm and /dev/pts exist.
func TestDevShm(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "cat /proc/self/mountinfo", nil)
	mi := parseMountinfo(out)
	for p, fs := range map[string]string{"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/sys": "sysfs"} {
		if m, ok := mi[p]; !ok || m.fstype != fs {
			t.Errorf("%s: want %s mount, got %+v", p, fs, m)
		}
	}
}
