package ebpf

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroup2Root finds a cgroup2 mount to test on: /sys/fs/cgroup on a v2
// host, /sys/fs/cgroup/unified on a hybrid one (device programs work on the
// v2 hierarchy whatever the v1 controllers do).
func cgroup2Root(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return p
		}
	}
	t.Skip("no cgroup2 mount")
	return ""
}

// testCgroup makes a fresh cgroup2 directory, removed at cleanup (only an
// rmdir: a cgroup with a hull-test name that we created ourselves).
func testCgroup(t *testing.T) string {
	t.Helper()
	root := cgroup2Root(t)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "hull-test-ebpf-"+hex.EncodeToString(b))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("mkdir %s: %v", dir, err)
	}
	t.Cleanup(func() {
		for i := 0; i < 100; i++ {
			if err := unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("could not remove %s", dir)
	})
	return dir
}

func loadOrSkip(t *testing.T, rules []specs.LinuxDeviceCgroup) {
	t.Helper()
	p, err := Load(rules)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) {
			t.Skipf("BPF_PROG_LOAD not permitted here: %v", err)
		}
		t.Fatalf("Load: %v", err)
	}
	p.Close()
}

// TestLoadVerifies: the kernel verifier accepts generated programs, both
// default-deny and default-allow shapes and a long rule list.
func TestLoadVerifies(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	loadOrSkip(t, []specs.LinuxDeviceCgroup{deny("", nil, nil, "rwm"), allow("c", i64(1), i64(3), "rwm"), allow("b", nil, nil, "m")})
	loadOrSkip(t, []specs.LinuxDeviceCgroup{allow("a", nil, nil, "rwm"), deny("c", i64(1), nil, "w")})
	var many []specs.LinuxDeviceCgroup
	for i := 0; i < 300; i++ {
		many = append(many, allow("c", i64(int64(i)), nil, "rw"))
	}
	loadOrSkip(t, many)
	loadOrSkip(t, nil)
}

// openIn runs sh in dir's cgroup (CLONE_INTO_CGROUP) and reports, per
// device path, whether opening it for reading worked.
func openIn(t *testing.T, dir string, paths ...string) map[string]bool {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var script strings.Builder
	for _, p := range paths {
		script.WriteString("if ( : <" + p + " ) 2>&-; then echo " + p + "=ok; else echo " + p + "=denied; fi\n")
	}
	cmd := exec.Command("/bin/sh", "-c", script.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh in %s: %v\n%s", dir, err, out)
	}
	got := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v == "ok"
		}
	}
	return got
}

// TestApplyEnforces attaches a filter to a real cgroup2 directory and checks
// that a process inside gets EPERM for a device left out, and that a second
// Apply (update) replaces the program instead of stacking a new one.
func TestApplyEnforces(t *testing.T) {
	loadOrSkip(t, nil)
	dir := testCgroup(t)
	rules := []specs.LinuxDeviceCgroup{deny("", nil, nil, "rwm"), allow("c", i64(1), i64(5), "rwm")} // /dev/zero only
	if err := Apply(dir, rules); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got := openIn(t, dir, "/dev/null", "/dev/zero")
	if got["/dev/null"] || !got["/dev/zero"] {
		t.Fatalf("after deny of /dev/null: %v", got)
	}
	rules = append(rules, allow("c", i64(1), i64(3), "r"))
	if err := Apply(dir, rules); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if got := openIn(t, dir, "/dev/null"); !got["/dev/null"] {
		t.Fatalf("after allowing /dev/null: %v", got)
	}
	ids, err := Attached(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Fatalf("%d programs attached after an update, want 1", len(ids))
	}
}
