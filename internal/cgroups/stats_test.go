package cgroups

import (
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestVisibleDropsCoveredMounts: a hierarchy whose mountpoint is not (or no
// longer, under a tmpfs) a cgroup filesystem is not used.
func TestVisibleDropsCoveredMounts(t *testing.T) {
	hs := []hierarchy{
		{key: "freezer", mountpoint: t.TempDir(), root: "/"},
		{key: "unified", mountpoint: t.TempDir(), root: "/"},
	}
	if got := visible(hs); len(got) != 0 {
		t.Fatalf("visible kept %+v", got)
	}
	if isCgroupFS("/sys/fs/cgroup/memory") {
		got := visible([]hierarchy{{key: "memory", mountpoint: "/sys/fs/cgroup/memory", root: "/"}})
		if len(got) != 1 {
			t.Fatal("visible dropped a real cgroup mount")
		}
		// A v1 mount is not accepted as the unified one.
		if got := visible([]hierarchy{{key: "unified", mountpoint: "/sys/fs/cgroup/memory"}}); len(got) != 0 {
			t.Fatal("v1 mount accepted as unified")
		}
	}
}

// TestStatsAndOOMOnV1: a real cgroup with a process in it reports its pids,
// memory limit and an OOM kill.
func TestStatsAndOOMOnV1(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	// After a pause (to be placed first) the hog allocates until the
	// 16 MiB limit kills it.
	cmd := startProc(t, "sh", "-c", "sleep 0.5; exec tail /dev/zero")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	limit, pids := int64(16<<20), int64(50)
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}, Pids: &specs.LinuxPids{Limit: &pids}}); err != nil {
		t.Fatal(err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	// sh, plus its sleep when sh forked it after Apply.
	if s.Pids.Current < 1 || s.Pids.Current > 2 || s.Pids.Limit != uint64(pids) {
		t.Errorf("pids = %+v", s.Pids)
	}
	if s.Memory.Usage.Limit != uint64(limit) || s.Memory.Raw == nil {
		t.Errorf("memory usage = %+v", s.Memory.Usage)
	}
	before, err := m.OOM()
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		after, err := m.OOM()
		if err != nil {
			t.Fatal(err)
		}
		if after.Kills > before.Kills {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no OOM kill counted: before %+v after %+v", before, after)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The hog's cpu time stays accounted to the cgroup after it died.
	if s, err := m.Stats(); err != nil || s.CPU.Usage.Total == 0 || s.Memory.Usage.Max < uint64(limit)/2 {
		t.Errorf("after the hog: cpu %+v, memory %+v, %v", s.CPU.Usage, s.Memory.Usage, err)
	}
}
