package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func TestOwnCgroups(t *testing.T) {
	in := "12:cpu,cpuacct:/a\n4:memory:/process_api/x\n1:name=systemd:/s\n0::/u\nbogus\n"
	own, err := ownCgroups(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cpu": "/a", "cpuacct": "/a", "memory": "/process_api/x", "name=systemd": "/s", "unified": "/u"}
	if !reflect.DeepEqual(own, want) {
		t.Fatalf("got %v want %v", own, want)
	}
}

func testMounts() []*mountinfo.Info {
	return []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", FSType: "cgroup", VFSOptions: "rw,cpu,cpuacct"},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/other/memory", Root: "/", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", FSType: "cgroup", VFSOptions: "rw,xattr,name=systemd"},
		{Mountpoint: "/sys/fs/cgroup/foo", Root: "/", FSType: "cgroup", VFSOptions: "rw,name=foo"},
		{Mountpoint: "/elsewhere", Root: "/", FSType: "cgroup2", VFSOptions: "rw"},
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", FSType: "cgroup2", VFSOptions: "rw,nsdelegate"},
	}
}

func TestHierarchies(t *testing.T) {
	got := map[string]string{}
	for _, h := range hierarchies(testMounts(), Hybrid) {
		got[h.key] = h.mountpoint
	}
	want := map[string]string{
		"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
		"memory": "/sys/fs/cgroup/memory", "name=systemd": "/sys/fs/cgroup/systemd",
		"unified": "/sys/fs/cgroup/unified",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("hybrid: got %v want %v", got, want)
	}
	for _, h := range hierarchies(testMounts(), Legacy) {
		if h.key == "unified" {
			t.Fatal("legacy mode uses a cgroup2 mount")
		}
	}
	hs := hierarchies(testMounts(), Unified)
	if len(hs) != 1 || hs[0].key != "unified" {
		t.Fatalf("unified: %v", hs)
	}
}

func TestComputePaths(t *testing.T) {
	hs := []hierarchy{
		{key: "memory", mountpoint: "/sys/fs/cgroup/memory", root: "/"},
		{key: "pids", mountpoint: "/sys/fs/cgroup/pids", root: "/docker/abc"},
		{key: "unified", mountpoint: "/sys/fs/cgroup/unified", root: "/"},
	}
	own := map[string]string{"memory": "/process_api/x", "pids": "/docker/abc/inner", "unified": "/"}
	cases := []struct {
		path, id string
		want     map[string]string
	}{
		{"/a/b", "id", map[string]string{
			"memory": "/sys/fs/cgroup/memory/a/b", "pids": "/sys/fs/cgroup/pids/a/b", "unified": "/sys/fs/cgroup/unified/a/b"}},
		{"rel/c", "id", map[string]string{
			"memory": "/sys/fs/cgroup/memory/process_api/x/rel/c", "pids": "/sys/fs/cgroup/pids/inner/rel/c",
			"unified": "/sys/fs/cgroup/unified/rel/c"}},
		{"", "ctr1", map[string]string{
			"memory": "/sys/fs/cgroup/memory/process_api/x/ctr1", "pids": "/sys/fs/cgroup/pids/inner/ctr1",
			"unified": "/sys/fs/cgroup/unified/ctr1"}},
		// ".." cannot climb out of the base cgroup or the mountpoint.
		{"../../../etc", "id", map[string]string{
			"memory": "/sys/fs/cgroup/memory/process_api/x/etc", "pids": "/sys/fs/cgroup/pids/inner/etc",
			"unified": "/sys/fs/cgroup/unified/etc"}},
		{"/../../etc", "id", map[string]string{
			"memory": "/sys/fs/cgroup/memory/etc", "pids": "/sys/fs/cgroup/pids/etc", "unified": "/sys/fs/cgroup/unified/etc"}},
	}
	for _, c := range cases {
		got, err := computePaths(hs, own, c.path, c.id)
		if err != nil {
			t.Fatalf("%q: %v", c.path, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %v want %v", c.path, got, c.want)
		}
	}
	if _, err := computePaths(hs, own, "", ""); err == nil {
		t.Error("empty path and id accepted")
	}
	if _, err := computePaths(nil, own, "x", ""); !errors.Is(err, ErrNoHierarchy) {
		t.Errorf("no hierarchies: %v", err)
	}
}

func TestLoadValidates(t *testing.T) {
	good := State{Mode: Hybrid, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/a/b"},
		Created: []string{"/sys/fs/cgroup/memory/a", "/sys/fs/cgroup/memory/a/b"}}
	m, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	// The manager owns a copy.
	good.Paths["memory"] = "/changed"
	if m.State().Paths["memory"] != "/sys/fs/cgroup/memory/a/b" {
		t.Fatal("Load did not copy the state")
	}
	bad := []State{
		{Mode: "weird", Paths: map[string]string{}},
		{Mode: Hybrid, Paths: map[string]string{"memory": "rel"}},
		{Mode: Hybrid, Paths: map[string]string{"memory": "/a/../b"}},
		{Mode: Hybrid, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/a"}, Created: []string{"/etc"}},
		{Mode: Hybrid, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/a"}, Created: []string{"/"}},
		{Mode: Hybrid, Paths: map[string]string{"memory": "/sys/fs/cgroup/memory/ab"}, Created: []string{"/sys/fs/cgroup/memory/a"}},
	}
	for _, s := range bad {
		if _, err := Load(s); err == nil {
			t.Errorf("Load(%+v) accepted", s)
		}
	}
}

func TestDetectModeHost(t *testing.T) {
	if fsType(cgroupRoot) == 0 {
		t.Skip("no /sys/fs/cgroup")
	}
	mode, err := DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	wantHybrid := fsType(filepath.Join(cgroupRoot, "unified")) != 0 && isCgroupFS(filepath.Join(cgroupRoot, "unified"))
	if wantHybrid && mode != Hybrid {
		t.Fatalf("mode %q on a host with /sys/fs/cgroup/unified", mode)
	}
	if _, err := detectMode(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("detectMode of a missing dir succeeded")
	}
}

// Destroy must not recurse into a directory that is not a cgroup even when a
// (corrupted) state names it.
func TestDestroyRefusesNonCgroupDirs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ctr")
	if err := os.MkdirAll(filepath.Join(dir, "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := Load(State{Mode: Legacy, Paths: map[string]string{"memory": dir}, Created: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err == nil {
		t.Fatal("Destroy of a plain directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "keep")); err != nil {
		t.Fatalf("plain subdirectory removed: %v", err)
	}
}

func TestPausedWithoutFreezer(t *testing.T) {
	m, err := Load(State{Mode: Hybrid, Paths: map[string]string{"freezer": filepath.Join(t.TempDir(), "x")}})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := m.Paused(); p || err != nil {
		t.Fatalf("Paused = %v, %v; want false, nil", p, err)
	}
	if err := m.Freeze(); err == nil {
		t.Fatal("Freeze without a freezer succeeded")
	}
}
