package process

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestForkExecBornInCgroup: with a cgroup v2 directory, forkExec's child is
// in it from the start (clone3 CLONE_INTO_CGROUP): /proc/<pid>/cgroup names
// it before anything could have moved the child. Uses the host's cgroup2
// mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host) and a
// cgroup of its own.
func TestForkExecBornInCgroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	mnt := ""
	for _, p := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			mnt = p
			break
		}
	}
	if mnt == "" {
		t.Skip("no cgroup2 mount")
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "hull-test-" + hex.EncodeToString(b)
	dir := filepath.Join(mnt, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("mkdir %s: %v", dir, err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50 && syscall.Rmdir(dir) == syscall.EBUSY; i++ {
			time.Sleep(20 * time.Millisecond)
		}
	})
	f, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pid, err := forkExec("/bin/sleep", []string{"sleep", "100"}, nil, nil, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}()
	cg, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cg), "0::/"+name+"\n") {
		t.Errorf("child's /proc/pid/cgroup %q, want 0::/%s (born in it)", cg, name)
	}
}
