package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestCgroupGuard: scripts/cgroup-guard.sh, which `make test` runs around
// the whole suite, fails on a cgroup that appeared since its snapshot,
// removes it when it is empty, names the processes of one that is not,
// and passes once nothing new is left.
func TestCgroupGuard(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	guard := filepath.Join(root, "scripts", "cgroup-guard.sh")
	hier := "/sys/fs/cgroup/pids"
	if _, err := os.Stat(filepath.Join(hier, "cgroup.procs")); err != nil {
		hier = "/sys/fs/cgroup" // pure v2
		if _, err := os.Stat(filepath.Join(hier, "cgroup.procs")); err != nil {
			t.Skip("no cgroup hierarchy at /sys/fs/cgroup/pids or /sys/fs/cgroup")
		}
	}
	snap := filepath.Join(testutil.TempDir(t, "guard-"), "before")
	if out, err := exec.Command(guard, "snapshot", snap).CombinedOutput(); err != nil {
		t.Fatalf("snapshot: %v: %s", err, out)
	}
	name := fmt.Sprintf("hull-guard-%d", os.Getpid())
	glob := name + "*"
	empty, busy := filepath.Join(hier, name+"-empty", "inner"), filepath.Join(hier, name+"-busy")
	for _, d := range []string{empty, busy} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sleep.Process.Kill()
		_ = sleep.Wait()
		for _, d := range []string{empty, filepath.Dir(empty), busy} {
			_ = os.Remove(d)
		}
	})
	pid := strconv.Itoa(sleep.Process.Pid)
	if err := os.WriteFile(filepath.Join(busy, "cgroup.procs"), []byte(pid), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(guard, "check", snap, glob).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("check with cgroups left: %v, want exit 1: %s", err, out)
	}
	for _, want := range []string{empty + " (empty: removed now)", filepath.Dir(empty) + " (empty: removed now)", busy + " (not removed; processes: " + pid} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Dir(empty)); !os.IsNotExist(err) {
		t.Errorf("%s still there after the check: %v", filepath.Dir(empty), err)
	}
	_ = sleep.Process.Kill()
	_ = sleep.Wait()
	if err := os.Remove(busy); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(guard, "check", snap, glob).CombinedOutput(); err != nil {
		t.Errorf("check with nothing left: %v: %s", err, out)
	}
}
