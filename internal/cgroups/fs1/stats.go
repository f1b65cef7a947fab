package fs1

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

// userHZ is the unit of cpuacct.stat: USER_HZ is 100 on every Linux ABI
// (it is fixed for userspace, independent of the kernel's CONFIG_HZ).
const userHZ = 100

// CPUStats fills cpu usage from cpuacct and throttling from cpu.stat. Either
// dir may be "" (controller not mounted).
func CPUStats(cpuDir, cpuacctDir string, c *stats.CPU) error {
	if cpuacctDir != "" {
		var err error
		if c.Usage.Total, err = stats.ReadOptionalUint(cpuacctDir, "cpuacct.usage"); err != nil {
			return err
		}
		for _, f := range []struct {
			name string
			dst  *[]uint64
		}{
			{"cpuacct.usage_percpu", &c.Usage.Percpu},
			{"cpuacct.usage_percpu_sys", &c.Usage.PercpuKernel},
			{"cpuacct.usage_percpu_user", &c.Usage.PercpuUser},
		} {
			s, err := stats.ReadOptional(cpuacctDir, f.name)
			if err != nil {
				return err
			}
			if *f.dst, err = stats.Uints(s); err != nil {
				return fmt.Errorf("%s/%s: %w", cpuacctDir, f.name, err)
			}
		}
		s, err := stats.ReadOptional(cpuacctDir, "cpuacct.stat")
		if err != nil {
			return err
		}
		kv := stats.KeyValues(s)
		// Ticks to nanoseconds, as runc reports them.
		c.Usage.User = kv["user"] * (1e9 / userHZ)
		c.Usage.Kernel = kv["system"] * (1e9 / userHZ)
	}
	if cpuDir != "" {
		s, err := stats.ReadOptional(cpuDir, "cpu.stat")
		if err != nil {
			return err
		}
		kv := stats.KeyValues(s)
		c.Throttling = stats.Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_time"]}
	}
	return nil
}

// memoryEntry reads the four files of one v1 memory counter family
// ("memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp").
func memoryEntry(dir, prefix string) (stats.MemoryEntry, error) {
	var e stats.MemoryEntry
	for _, f := range []struct {
		suffix string
		dst    *uint64
	}{
		{"limit_in_bytes", &e.Limit},
		{"usage_in_bytes", &e.Usage},
		{"max_usage_in_bytes", &e.Max},
		{"failcnt", &e.Failcnt},
	} {
		v, err := stats.ReadOptionalUint(dir, prefix+"."+f.suffix)
		if err != nil {
			return e, err
		}
		*f.dst = v
	}
	return e, nil
}

// MemoryStats reads the v1 memory controller's counters.
func MemoryStats(dir string, m *stats.Memory) error {
	s, err := stats.ReadOptional(dir, "memory.stat")
	if err != nil {
		return err
	}
	m.Raw = stats.KeyValues(s)
	m.Cache = m.Raw["cache"]
	if m.Usage, err = memoryEntry(dir, "memory"); err != nil {
		return err
	}
	if m.Swap, err = memoryEntry(dir, "memory.memsw"); err != nil {
		return err
	}
	if m.Kernel, err = memoryEntry(dir, "memory.kmem"); err != nil {
		return err
	}
	m.KernelTCP, err = memoryEntry(dir, "memory.kmem.tcp")
	return err
}

// BlkioEntries parses blkio's "MAJ:MIN Op value" lines (the "Total" line
// is dropped, as runc does). Lines without an op ("MAJ:MIN value", as in
// blkio.sectors) have Op "".
func BlkioEntries(s string) ([]stats.BlkioEntry, error) {
	var out []stats.BlkioEntry
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] == "Total" {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			return nil, fmt.Errorf("parse blkio line %q: no MAJ:MIN", l)
		}
		var e stats.BlkioEntry
		var err error
		if e.Major, err = strconv.ParseUint(maj, 10, 64); err != nil {
			return nil, fmt.Errorf("parse blkio line %q: %w", l, err)
		}
		if e.Minor, err = strconv.ParseUint(min, 10, 64); err != nil {
			return nil, fmt.Errorf("parse blkio line %q: %w", l, err)
		}
		val := f[1]
		if len(f) >= 3 {
			e.Op, val = f[1], f[2]
		}
		if e.Value, err = stats.ParseUint(val); err != nil {
			return nil, fmt.Errorf("parse blkio line %q: %w", l, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// BlkioStats reads the recursive counters. The CFQ files (blkio.io_*) are
// gone since CFQ was removed (5.0); BFQ has blkio.bfq.io_*, and the throttle
// files always exist. The first family present wins, in runc's order.
func BlkioStats(dir string, b *stats.Blkio) error {
	for _, prefix := range []string{"blkio.", "blkio.bfq.", "blkio.throttle."} {
		if !cgfile.Exists(dir, prefix+"io_service_bytes_recursive") {
			continue
		}
		for _, f := range []struct {
			name string
			dst  *[]stats.BlkioEntry
		}{
			{"io_service_bytes_recursive", &b.IoServiceBytesRecursive},
			{"io_serviced_recursive", &b.IoServicedRecursive},
			{"io_queued_recursive", &b.IoQueuedRecursive},
			{"io_service_time_recursive", &b.IoServiceTimeRecursive},
			{"io_wait_time_recursive", &b.IoWaitTimeRecursive},
			{"io_merged_recursive", &b.IoMergedRecursive},
			{"time_recursive", &b.IoTimeRecursive},
			{"sectors_recursive", &b.SectorsRecursive},
		} {
			s, err := stats.ReadOptional(dir, prefix+f.name)
			if err != nil {
				return err
			}
			if *f.dst, err = BlkioEntries(s); err != nil {
				return fmt.Errorf("%s/%s%s: %w", dir, prefix, f.name, err)
			}
		}
		return nil
	}
	return nil
}

// HugetlbStats reads hugetlb.<size>.{usage,max_usage}_in_bytes and failcnt
// for every page size the kernel lists.
func HugetlbStats(dir string) (map[string]stats.Hugetlb, error) {
	sizes, err := stats.HugePageSizes(dir, "limit_in_bytes")
	if err != nil {
		return nil, err
	}
	out := map[string]stats.Hugetlb{}
	for _, size := range sizes {
		var h stats.Hugetlb
		for _, f := range []struct {
			suffix string
			dst    *uint64
		}{{"usage_in_bytes", &h.Usage}, {"max_usage_in_bytes", &h.Max}, {"failcnt", &h.Failcnt}} {
			if *f.dst, err = stats.ReadOptionalUint(dir, "hugetlb."+size+"."+f.suffix); err != nil {
				return nil, err
			}
		}
		out[size] = h
	}
	return out, nil
}

// CpusetStats reads the cpu and memory node lists.
func CpusetStats(dir string, c *stats.CPUSet) error {
	return stats.ReadCPUSet(dir, "cpuset.cpus", "cpuset.mems", c)
}

// OOMState reads memory.oom_control: under_oom (tasks are stalled on the
// limit, with the OOM killer disabled) and oom_kill (kills so far; the
// field exists since Linux 4.13).
func OOMState(dir string) (underOOM bool, kills uint64, err error) {
	s, err := cgfile.Read(dir, "memory.oom_control")
	if err != nil {
		return false, 0, err
	}
	kv := stats.KeyValues(s)
	return kv["under_oom"] == 1, kv["oom_kill"], nil
}
