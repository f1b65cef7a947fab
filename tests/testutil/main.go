package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// envInPrivateNS marks the re-executed test binary so it does not loop.
const envInPrivateNS = "HULL_TEST_PRIVATE_MNTNS"

// baseDir holds everything the harness creates on disk (hull binary, rootfs
// cache, bundles, sockets). It is 0755 so that a container root mapped to an
// unprivileged host uid (user namespace tests) can still reach its rootfs.
var baseDir string

// Main is the TestMain body for integration packages:
//
//	func TestMain(m *testing.M) { testutil.Main(m) }
//
// It skips the package when not root, re-executes itself inside a private
// mount namespace when it is still in the host's (so nothing the harness or a
// buggy runtime mounts can reach the host), runs the tests, and then checks
// that host state the runtime must never touch is intact.
func Main(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "testutil: integration tests need root; skipping package")
		os.Exit(0)
	}
	if err := ensurePrivateMountNS(); err != nil {
		fmt.Fprintf(os.Stderr, "testutil: %v\n", err)
		os.Exit(1)
	}
	before, err := snapshotHost()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testutil: host snapshot: %v\n", err)
		os.Exit(1)
	}
	if err := before.checkDevNull(); err != nil {
		// Refuse to run on a host that is already broken: the guard
		// afterwards would blame us for it.
		fmt.Fprintf(os.Stderr, "testutil: before tests: %v\n", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "hull-it-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "testutil: %v\n", err)
		os.Exit(1)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "testutil: chmod %s: %v\n", dir, err)
		os.Exit(1)
	}
	baseDir = dir

	code := m.Run()

	after, err := snapshotHost()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testutil: host snapshot after tests: %v\n", err)
		code = 1
	} else if problems := before.compare(after); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "HOST GUARD FAILED: %s\n", p)
		}
		code = 1
	}
	if err := removeAllSafe(dir); err != nil {
		fmt.Fprintf(os.Stderr, "testutil: cleanup %s: %v\n", dir, err)
		code = 1
	}
	os.Exit(code)
}

// ensurePrivateMountNS re-execs the test binary under
// `unshare --mount --propagation private` unless it already runs in a mount
// namespace other than pid 1's.
func ensurePrivateMountNS() error {
	if os.Getenv(envInPrivateNS) != "" {
		return nil
	}
	self, err1 := os.Readlink("/proc/self/ns/mnt")
	init, err2 := os.Readlink("/proc/1/ns/mnt")
	if err1 != nil || err2 != nil || self != init {
		// Already private (make test uses unshare) or we cannot tell.
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find test binary: %w", err)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return fmt.Errorf("not in a private mount namespace and unshare(1) not found: %w", err)
	}
	args := append([]string{"unshare", "--mount", "--propagation", "private", "--", exe}, os.Args[1:]...)
	env := append(os.Environ(), envInPrivateNS+"=1")
	if err := syscall.Exec(unshare, args, env); err != nil {
		return fmt.Errorf("re-exec under unshare: %w", err)
	}
	return nil
}

// hostSnapshot is the host state a runtime bug could damage.
type hostSnapshot struct {
	devNull    unix.Stat_t
	cgroupDirs map[string]bool // plain (non-mountpoint) dirs in /sys/fs/cgroup
	hostname   string
	ipForward  string
}

func snapshotHost() (*hostSnapshot, error) {
	s := &hostSnapshot{cgroupDirs: map[string]bool{}}
	if err := unix.Stat("/dev/null", &s.devNull); err != nil {
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	plain, err := plainCgroupDirs()
	if err != nil {
		return nil, err
	}
	for _, d := range plain {
		s.cgroupDirs[d] = true
	}
	h, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("hostname: %w", err)
	}
	s.hostname = h
	fw, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err == nil {
		s.ipForward = strings.TrimSpace(string(fw))
	}
	return s, nil
}

// plainCgroupDirs lists directories directly in /sys/fs/cgroup that are not
// mount points. On a v1/hybrid host /sys/fs/cgroup is a tmpfs holding only
// controller mount points; a runtime that mkdirs "/sys/fs/cgroup/<name>"
// because it got the hierarchy wrong leaves a plain directory there.
func plainCgroupDirs() ([]string, error) {
	const root = "/sys/fs/cgroup"
	var rootSt unix.Stat_t
	if err := unix.Stat(root, &rootSt); err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("stat %s: %w", root, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", root, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		// Pure v2: every dir is a real cgroup; CleanupCheck covers ours.
		return nil, nil
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		var cst unix.Stat_t
		p := filepath.Join(root, e.Name())
		if err := unix.Stat(p, &cst); err != nil {
			continue
		}
		if cst.Dev == rootSt.Dev {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *hostSnapshot) checkDevNull() error {
	st := s.devNull
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		return fmt.Errorf("host /dev/null is not char device 1:3 (mode %o rdev %d:%d)",
			st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	if st.Uid != 0 || st.Gid != 0 {
		return fmt.Errorf("host /dev/null is owned by %d:%d, want 0:0", st.Uid, st.Gid)
	}
	return nil
}

func (s *hostSnapshot) compare(after *hostSnapshot) []string {
	var p []string
	if err := after.checkDevNull(); err != nil {
		p = append(p, err.Error())
	}
	if after.devNull.Mode != s.devNull.Mode && after.devNull.Mode&unix.S_IFMT == unix.S_IFCHR {
		p = append(p, fmt.Sprintf("host /dev/null mode changed %o -> %o", s.devNull.Mode, after.devNull.Mode))
	}
	for d := range after.cgroupDirs {
		if !s.cgroupDirs[d] {
			p = append(p, fmt.Sprintf("plain directory %s appeared in /sys/fs/cgroup (wrong cgroup hierarchy?)", d))
			// Only an empty dir on the tmpfs: safe to remove, and leaving
			// it would break the next run's baseline.
			_ = os.Remove(d)
		}
	}
	if after.hostname != s.hostname {
		p = append(p, fmt.Sprintf("host hostname changed %q -> %q (UTS namespace not applied?)", s.hostname, after.hostname))
	}
	if after.ipForward != s.ipForward {
		p = append(p, fmt.Sprintf("host net.ipv4.ip_forward changed %q -> %q (sysctl applied outside the netns?)", s.ipForward, after.ipForward))
	}
	return p
}
