package fs1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

func TestCPUStatsV1(t *testing.T) {
	acct := fakeCgroup(t, map[string]string{
		"cpuacct.usage":             "3000\n",
		"cpuacct.usage_percpu":      "1000 2000 \n",
		"cpuacct.usage_percpu_user": "600 1200\n",
		"cpuacct.usage_percpu_sys":  "400 800\n",
		"cpuacct.stat":              "user 3\nsystem 2\n",
	})
	cpu := fakeCgroup(t, map[string]string{"cpu.stat": "nr_periods 10\nnr_throttled 4\nthrottled_time 999\n"})
	var c stats.CPU
	if err := CPUStats(cpu, acct, &c); err != nil {
		t.Fatal(err)
	}
	want := stats.CPU{
		Usage: stats.CPUUsage{Total: 3000, Percpu: []uint64{1000, 2000}, PercpuUser: []uint64{600, 1200},
			PercpuKernel: []uint64{400, 800}, User: 30_000_000, Kernel: 20_000_000},
		Throttling: stats.Throttling{Periods: 10, ThrottledPeriods: 4, ThrottledTime: 999},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("CPUStats = %+v\nwant %+v", c, want)
	}
}

func TestMemoryStatsV1(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"memory.stat":                     "cache 4096\nrss 8192\n",
		"memory.limit_in_bytes":           "33554432\n",
		"memory.usage_in_bytes":           "12288\n",
		"memory.max_usage_in_bytes":       "20000\n",
		"memory.failcnt":                  "3\n",
		"memory.memsw.limit_in_bytes":     "67108864\n",
		"memory.memsw.usage_in_bytes":     "12288\n",
		"memory.memsw.failcnt":            "0\n",
		"memory.memsw.max_usage_in_bytes": "20000\n",
		// no kmem files: kernels with cgroup.memory=nokmem
	})
	var m stats.Memory
	if err := MemoryStats(dir, &m); err != nil {
		t.Fatal(err)
	}
	if m.Cache != 4096 || m.Raw["rss"] != 8192 {
		t.Errorf("cache/raw = %d %v", m.Cache, m.Raw)
	}
	if m.Usage != (stats.MemoryEntry{Limit: 33554432, Usage: 12288, Max: 20000, Failcnt: 3}) {
		t.Errorf("usage = %+v", m.Usage)
	}
	if m.Swap.Limit != 67108864 || m.Kernel != (stats.MemoryEntry{}) {
		t.Errorf("swap %+v kernel %+v", m.Swap, m.Kernel)
	}
	// The JSON field names are runc's.
	b, _ := json.Marshal(m)
	for _, k := range []string{`"usage":{"limit":33554432`, `"swap":`, `"kernelTCP":`, `"raw":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
}

func TestMemoryStatsBadNumber(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{"memory.stat": "", "memory.usage_in_bytes": "lots"})
	var m stats.Memory
	if err := MemoryStats(dir, &m); err == nil || !strings.Contains(err.Error(), "memory.usage_in_bytes") {
		t.Errorf("err = %v, want one naming the file", err)
	}
}

func TestBlkioStats(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"blkio.throttle.io_service_bytes_recursive": "8:0 Read 100\n8:0 Write 200\nTotal 300\n",
		"blkio.throttle.io_serviced_recursive":      "8:0 Read 1\n8:0 Write 2\nTotal 3\n",
	})
	var b stats.Blkio
	if err := BlkioStats(dir, &b); err != nil {
		t.Fatal(err)
	}
	want := []stats.BlkioEntry{{Major: 8, Op: "Read", Value: 100}, {Major: 8, Op: "Write", Value: 200}}
	if !reflect.DeepEqual(b.IoServiceBytesRecursive, want) || len(b.IoServicedRecursive) != 2 {
		t.Errorf("blkio = %+v", b)
	}
	if _, err := BlkioEntries("garbage 1 2"); err == nil {
		t.Error("bad blkio line accepted")
	}
	if e, err := BlkioEntries("8:16 42"); err != nil || e[0] != (stats.BlkioEntry{Major: 8, Minor: 16, Value: 42}) {
		t.Errorf("sectors line = %+v %v", e, err)
	}
}

func TestHugetlbStatsV1(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"hugetlb.2MB.limit_in_bytes": "max", "hugetlb.2MB.usage_in_bytes": "2097152",
		"hugetlb.2MB.max_usage_in_bytes": "4194304", "hugetlb.2MB.failcnt": "1",
		"hugetlb.2MB.rsvd.limit_in_bytes": "0",
	})
	h, err := HugetlbStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h["2MB"] != (stats.Hugetlb{Usage: 2097152, Max: 4194304, Failcnt: 1}) {
		t.Errorf("hugetlb = %+v", h)
	}
}

func TestOOMState(t *testing.T) {
	under, kills, err := OOMState(fakeCgroup(t, map[string]string{"memory.oom_control": "oom_kill_disable 1\nunder_oom 1\noom_kill 4\n"}))
	if err != nil || !under || kills != 4 {
		t.Errorf("OOMState = %v %d %v", under, kills, err)
	}
}
