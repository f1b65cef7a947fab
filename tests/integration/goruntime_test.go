package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestRuntimeLeavesCPUCgroupAlone: scripts/build.sh overlays the Go
// runtime's defaultGOMAXPROCSInit so that, with GOMAXPROCS set (hull's entry
// point always sets it), it does not look up the CPU cgroup whose limit it
// would not use (docs/performance.md, item 45). The stock runtime keeps that
// cgroup's quota and period files open for the process's life, so a
// waiting `hull run` shows whether the lookup happened.
func TestRuntimeLeavesCPUCgroupAlone(t *testing.T) {
	t.Parallel()
	bin := testutil.BuildHull(t)
	if testutil.IsRunc(bin) {
		t.Skip("not hull")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to compare the runtime with")
	}
	goroot, err := exec.Command(gocmd, "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "src", "runtime", "cgroup_linux.go"))
	if err != nil || !regexp.MustCompile(`(?m)^func defaultGOMAXPROCSInit\(\) \{$`).Match(src) {
		t.Skipf("this toolchain's runtime has no defaultGOMAXPROCSInit to patch (%v)", err)
	}
	b := testutil.NewBundle(t, "sh", "-c", "echo ready; read x")
	cmd := testutil.Command(t, bin, testutil.Root(t), "run", "--bundle", b.Dir, b.ID)
	startUntilReady(t, cmd, (*exec.Cmd).Start)
	fdDir := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd"
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	cpuFile := regexp.MustCompile(`/cpu\.(cfs_quota_us|cfs_period_us|max)$`)
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err == nil && cpuFile.MatchString(target) {
			t.Errorf("hull run holds fd %s -> %s: the Go runtime looked up its CPU cgroup (scripts/build.sh's overlay missing)", e.Name(), target)
		}
	}
}
