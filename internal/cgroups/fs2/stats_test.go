package fs2

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

func fake(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStatsV2(t *testing.T) {
	dir := fake(t, map[string]string{
		"cpu.stat":              "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 2\nnr_throttled 1\nthrottled_usec 5\n",
		"memory.stat":           "anon 100\nfile 200\n",
		"memory.current":        "300\n",
		"memory.max":            "max\n",
		"memory.peak":           "400\n",
		"memory.events":         "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n",
		"memory.swap.current":   "50\n",
		"memory.swap.max":       "1000\n",
		"pids.current":          "4\n",
		"pids.max":              "64\n",
		"io.stat":               "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n",
		"cpuset.cpus.effective": "0-1\n",
		"cpuset.mems.effective": "0\n",
		"hugetlb.2MB.current":   "0\n",
		"hugetlb.2MB.max":       "max\n",
		"hugetlb.2MB.events":    "max 2\n",
	})
	var s stats.Stats
	if err := Stats(dir, &s); err != nil {
		t.Fatal(err)
	}
	if s.CPU.Usage.Total != 10000 || s.CPU.Usage.User != 6000 || s.CPU.Usage.Kernel != 4000 || s.CPU.Throttling.ThrottledTime != 5000 {
		t.Errorf("cpu = %+v", s.CPU)
	}
	if s.Memory.Cache != 200 || s.Memory.Usage != (stats.MemoryEntry{Limit: math.MaxUint64, Usage: 300, Max: 400, Failcnt: 7}) {
		t.Errorf("memory = %+v", s.Memory)
	}
	// Swap is reported as memory+swap, the v1 meaning.
	if s.Memory.Swap.Usage != 350 || s.Memory.Swap.Limit != math.MaxUint64 {
		t.Errorf("swap = %+v", s.Memory.Swap)
	}
	if s.Pids != (stats.Pids{Current: 4, Limit: 64}) {
		t.Errorf("pids = %+v", s.Pids)
	}
	wantBytes := []stats.BlkioEntry{{Major: 8, Op: "Read", Value: 10}, {Major: 8, Op: "Write", Value: 20}}
	if !reflect.DeepEqual(s.Blkio.IoServiceBytesRecursive, wantBytes) || len(s.Blkio.IoServicedRecursive) != 2 {
		t.Errorf("io = %+v", s.Blkio)
	}
	if !reflect.DeepEqual(s.CPUSet.CPUs, []uint16{0, 1}) {
		t.Errorf("cpuset = %+v", s.CPUSet)
	}
	if s.Hugetlb["2MB"] != (stats.Hugetlb{Max: math.MaxUint64, Failcnt: 2}) {
		t.Errorf("hugetlb = %+v", s.Hugetlb)
	}
	oom, kills, err := OOMKills(dir)
	if err != nil || oom != 1 || kills != 1 {
		t.Errorf("OOMKills = %d %d %v", oom, kills, err)
	}
}

func TestStatsV2NoControllers(t *testing.T) {
	var s stats.Stats
	if err := Stats(fake(t, nil), &s); err != nil {
		t.Fatalf("an empty cgroup has zero stats, not an error: %v", err)
	}
	if _, _, err := OOMKills(fake(t, nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := IOStatEntries("8:0 rbytes=x"); err == nil {
		t.Error("bad io.stat accepted")
	}
}
