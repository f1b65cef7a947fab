package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCgroupV1Mounts(t *testing.T) {
	mi := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	m := map[string]string{}
	if err := parseCgroupV1Mounts(strings.NewReader(mi), m); err != nil {
		t.Fatal(err)
	}
	h := Host{V1Controllers: m}
	if !h.HasV1("cpuacct") || !h.HasV1("blkio") || h.HasV1("hugetlb") || h.HasV1("mode=755") {
		t.Errorf("controllers = %v", m)
	}
	if m["cpu"] != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Errorf("cpu at %q", m["cpu"])
	}
}

func TestParseCapBnd(t *testing.T) {
	v, err := parseCapBnd("Name:\tx\nCapBnd:\t000001fffeffffff\n")
	if err != nil {
		t.Fatal(err)
	}
	h := Host{BoundingSet: v}
	if h.HasCap(capSysResource) || !h.HasCap(0) || !h.HasCap(40) {
		t.Errorf("bounding %x", v)
	}
	if _, err := parseCapBnd("Name:\tx\n"); err == nil {
		t.Error("missing CapBnd accepted")
	}
}

func TestKernelRelease(t *testing.T) {
	for s, want := range map[string][2]int{"6.18.44-fc-v669\n": {6, 18}, "6.1-rc1": {6, 1}, "5.10.0-23-amd64": {5, 10}} {
		got, err := parseKernelRelease(s)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	if _, err := parseKernelRelease("garbage"); err == nil {
		t.Error("garbage accepted")
	}
	h := Host{Kernel: [2]int{6, 1}}
	if !h.KernelAtLeast(6, 1) || !h.KernelAtLeast(5, 19) || h.KernelAtLeast(6, 2) {
		t.Error("KernelAtLeast")
	}
}

func TestSuiteCgroupCleanupKeepsWhatExistedAndWhatIsInUse(t *testing.T) {
	// Plain directories stand in for cgroup hierarchies.
	a, b := t.TempDir(), t.TempDir()
	roots := []string{a, b}
	mustMkdirAll(t, filepath.Join(a, "testdir"))
	pre := existingSuiteCgroups(roots)
	// During the run: a's testdir/cgrouptest and all of b's appear; b's
	// still has a child (a cgroup in use).
	mustMkdirAll(t, filepath.Join(a, "testdir/cgrouptest"))
	mustMkdirAll(t, filepath.Join(b, "testdir/cgrouptest/container"))
	left := removeSuiteCgroups(roots, pre)
	if _, err := os.Stat(filepath.Join(a, "testdir")); err != nil {
		t.Error("pre-existing testdir removed")
	}
	if _, err := os.Stat(filepath.Join(a, "testdir/cgrouptest")); err == nil {
		t.Error("new testdir/cgrouptest kept")
	}
	if _, err := os.Stat(filepath.Join(b, "testdir/cgrouptest/container")); err != nil {
		t.Error("cgroup in use removed")
	}
	if len(left) != 2 {
		t.Errorf("left = %v", left)
	}
}

func mustMkdirAll(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}
