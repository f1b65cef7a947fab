package fs1

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeCgroup makes a temp dir with the given control files (regular files
// stand in for cgroupfs; each write replaces the content).
func fakeCgroup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, dir, f string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, f))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func i64p(v int64) *int64 { return &v }

func TestDeviceRule(t *testing.T) {
	c1, c3, neg := int64(1), int64(3), int64(-5)
	cases := []struct {
		r    specs.LinuxDeviceCgroup
		want string
	}{
		{specs.LinuxDeviceCgroup{}, "a *:* rwm"},
		{specs.LinuxDeviceCgroup{Type: "c", Major: &c1, Minor: &c3, Access: "rw"}, "c 1:3 rw"},
		{specs.LinuxDeviceCgroup{Type: "b", Major: &c1, Access: "m"}, "b 1:* m"},
	}
	for _, c := range cases {
		got, err := DeviceRule(c.r)
		if err != nil || got != c.want {
			t.Errorf("DeviceRule(%+v) = %q, %v; want %q", c.r, got, err, c.want)
		}
	}
	bad := []specs.LinuxDeviceCgroup{
		{Type: "x"}, {Type: "c", Access: "rwx"}, {Type: "c", Access: "rr"}, {Type: "c", Major: &neg},
	}
	for _, r := range bad {
		if _, err := DeviceRule(r); err == nil {
			t.Errorf("DeviceRule(%+v) accepted", r)
		}
	}
}

func TestSetMissingControllerErrors(t *testing.T) {
	err := Set(map[string]string{}, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(3)}})
	if !errors.Is(err, ErrNoController) {
		t.Fatalf("err = %v, want ErrNoController", err)
	}
	// Nothing requested: nothing needed.
	if err := Set(map[string]string{}, &specs.LinuxResources{}); err != nil {
		t.Fatal(err)
	}
	if err := Set(nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestSetPidsAndBlkio(t *testing.T) {
	pids := fakeCgroup(t, map[string]string{"pids.max": "max"})
	if err := Set(map[string]string{"pids": pids}, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(-1)}}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, pids, "pids.max"); got != "max" {
		t.Errorf("pids.max = %q", got)
	}
	w := uint16(300)
	bfq := fakeCgroup(t, map[string]string{"blkio.bfq.weight": "100", "blkio.throttle.read_bps_device": ""})
	r := &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: &w,
		ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1000}}}}
	if err := Set(map[string]string{"blkio": bfq}, r); err != nil {
		t.Fatal(err)
	}
	if got := read(t, bfq, "blkio.bfq.weight"); got != "300" {
		t.Errorf("blkio.bfq.weight = %q", got)
	}
	if got := read(t, bfq, "blkio.throttle.read_bps_device"); got != "8:0 1000" {
		t.Errorf("read_bps_device = %q", got)
	}
	none := fakeCgroup(t, nil)
	if err := Set(map[string]string{"blkio": none}, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: &w}}); err == nil {
		t.Error("blkio weight without weight files accepted")
	}
	if _, err := os.Stat(filepath.Join(none, "blkio.weight")); err == nil {
		t.Error("Set created a control file")
	}
}

func TestSetHugetlb(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{"hugetlb.2MB.limit_in_bytes": "", "hugetlb.2MB.rsvd.limit_in_bytes": ""})
	r := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	if err := Set(map[string]string{"hugetlb": dir}, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes"} {
		if got := read(t, dir, f); got != "4194304" {
			t.Errorf("%s = %q", f, got)
		}
	}
	for _, ps := range []string{"1GB", "../x", ""} {
		r := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: ps, Limit: 1}}}
		if err := Set(map[string]string{"hugetlb": dir}, r); err == nil {
			t.Errorf("page size %q accepted", ps)
		}
	}
}

func TestInitCpuset(t *testing.T) {
	parent := fakeCgroup(t, map[string]string{"cpuset.cpus": "0-3\n", "cpuset.mems": "0\n"})
	child := filepath.Join(parent, "c")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		if err := os.WriteFile(filepath.Join(child, f), []byte("\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := InitCpuset(child); err != nil {
		t.Fatal(err)
	}
	if got := read(t, child, "cpuset.cpus"); got != "0-3" {
		t.Errorf("cpus = %q", got)
	}
	if got := read(t, child, "cpuset.mems"); got != "0" {
		t.Errorf("mems = %q", got)
	}
	// A non-empty value is left alone.
	if err := os.WriteFile(filepath.Join(child, "cpuset.cpus"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := InitCpuset(child); err != nil {
		t.Fatal(err)
	}
	if got := read(t, child, "cpuset.cpus"); got != "1" {
		t.Errorf("cpus overwritten: %q", got)
	}
}

func TestFreezeThawFake(t *testing.T) {
	// A regular file settles at once: FROZEN reads back immediately. The
	// real FREEZING path is exercised on the host freezer in package cgroups.
	dir := fakeCgroup(t, map[string]string{"freezer.state": "THAWED"})
	if err := Freeze(dir); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	if got := read(t, dir, "freezer.state"); got != Frozen {
		t.Fatalf("state %q", got)
	}
	if err := Thaw(dir); err != nil || read(t, dir, "freezer.state") != Thawed {
		t.Fatalf("Thaw: %v", err)
	}
	if err := Freeze(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Freeze of a missing cgroup: %v", err)
	}
}
