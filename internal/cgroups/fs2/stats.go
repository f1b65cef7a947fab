package fs2

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

// Stats reads every v2 counter of dir into s. Controllers that are not
// enabled simply have no files and leave their part zero.
func Stats(dir string, s *stats.Stats) error {
	steps := []struct {
		what string
		fn   func() error
	}{
		{"cpu", func() error { return cpuStats(dir, &s.CPU) }},
		{"memory", func() error { return memoryStats(dir, &s.Memory) }},
		{"pids", func() error { return stats.ReadPids(dir, &s.Pids) }},
		{"io", func() error { return ioStats(dir, &s.Blkio) }},
		{"cpuset", func() error { return cpusetStats(dir, &s.CPUSet) }},
		{"hugetlb", func() error {
			h, err := HugetlbStats(dir)
			for k, v := range h {
				s.Hugetlb[k] = v
			}
			return err
		}},
	}
	if s.Hugetlb == nil {
		s.Hugetlb = map[string]stats.Hugetlb{}
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			return fmt.Errorf("%s stats of %s: %w", st.what, dir, err)
		}
	}
	return nil
}

// cpuStats converts cpu.stat's microseconds to runc's nanoseconds.
func cpuStats(dir string, c *stats.CPU) error {
	s, err := stats.ReadOptional(dir, "cpu.stat")
	if err != nil {
		return err
	}
	kv := stats.KeyValues(s)
	c.Usage.Total = kv["usage_usec"] * 1000
	c.Usage.User = kv["user_usec"] * 1000
	c.Usage.Kernel = kv["system_usec"] * 1000
	c.Throttling = stats.Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_usec"] * 1000}
	return nil
}

// memoryStats maps v2 files onto runc's v1-shaped entries: cache is the
// "file" pages; swap is reported as memory+swap (usage and limit), the v1
// memsw meaning that runc keeps for v2 so consumers need not care.
func memoryStats(dir string, m *stats.Memory) error {
	s, err := stats.ReadOptional(dir, "memory.stat")
	if err != nil {
		return err
	}
	if s == "" {
		return nil // memory controller not enabled
	}
	m.Raw = stats.KeyValues(s)
	m.Cache = m.Raw["file"]
	if m.Usage.Usage, err = stats.ReadOptionalUint(dir, "memory.current"); err != nil {
		return err
	}
	if m.Usage.Limit, err = stats.ReadOptionalUint(dir, "memory.max"); err != nil {
		return err
	}
	if m.Usage.Max, err = stats.ReadOptionalUint(dir, "memory.peak"); err != nil {
		return err
	}
	ev, err := stats.ReadOptional(dir, "memory.events")
	if err != nil {
		return err
	}
	m.Usage.Failcnt = stats.KeyValues(ev)["max"]
	if cgfile.Exists(dir, "memory.swap.current") {
		sw, err := stats.ReadOptionalUint(dir, "memory.swap.current")
		if err != nil {
			return err
		}
		swMax, err := stats.ReadOptionalUint(dir, "memory.swap.max")
		if err != nil {
			return err
		}
		m.Swap.Usage = sw + m.Usage.Usage
		m.Swap.Limit = addSat(swMax, m.Usage.Limit)
	}
	return nil
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// IOStatEntries parses io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N wios=N
// dbytes=N dios=N") into runc's byte and op-count entries.
func IOStatEntries(s string) (bytes, ios []stats.BlkioEntry, err error) {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			return nil, nil, fmt.Errorf("parse io.stat line %q: no MAJ:MIN", l)
		}
		ma, err1 := strconv.ParseUint(maj, 10, 64)
		mi, err2 := strconv.ParseUint(min, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("parse io.stat line %q: bad device number", l)
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := stats.ParseUint(v)
			if err != nil {
				return nil, nil, fmt.Errorf("parse io.stat line %q: %w", l, err)
			}
			e := stats.BlkioEntry{Major: ma, Minor: mi, Value: n}
			switch k {
			case "rbytes":
				e.Op = "Read"
				bytes = append(bytes, e)
			case "wbytes":
				e.Op = "Write"
				bytes = append(bytes, e)
			case "rios":
				e.Op = "Read"
				ios = append(ios, e)
			case "wios":
				e.Op = "Write"
				ios = append(ios, e)
			}
		}
	}
	return bytes, ios, nil
}

func ioStats(dir string, b *stats.Blkio) error {
	s, err := stats.ReadOptional(dir, "io.stat")
	if err != nil {
		return err
	}
	b.IoServiceBytesRecursive, b.IoServicedRecursive, err = IOStatEntries(s)
	return err
}

func cpusetStats(dir string, c *stats.CPUSet) error {
	return stats.ReadCPUSet(dir, "cpuset.cpus.effective", "cpuset.mems.effective", c)
}

// HugetlbStats reads hugetlb.<size>.current, .max and the "max" count of
// .events (allocations that failed on the limit: v1's failcnt). Exported
// for hybrid hosts where hugetlb lives on the unified hierarchy only.
func HugetlbStats(dir string) (map[string]stats.Hugetlb, error) {
	sizes, err := stats.HugePageSizes(dir, "current")
	if err != nil {
		return nil, err
	}
	out := map[string]stats.Hugetlb{}
	for _, size := range sizes {
		var h stats.Hugetlb
		if h.Usage, err = stats.ReadOptionalUint(dir, "hugetlb."+size+".current"); err != nil {
			return nil, err
		}
		if h.Max, err = stats.ReadOptionalUint(dir, "hugetlb."+size+".max"); err != nil {
			return nil, err
		}
		ev, err := stats.ReadOptional(dir, "hugetlb."+size+".events")
		if err != nil {
			return nil, err
		}
		h.Failcnt = stats.KeyValues(ev)["max"]
		out[size] = h
	}
	return out, nil
}

// OOMKills returns memory.events' oom_kill count (processes killed by the
// OOM killer in this cgroup and below) and its "oom" count (times the limit
// was hit and reclaim failed). Both 0 without the memory controller.
func OOMKills(dir string) (oom, kills uint64, err error) {
	s, err := stats.ReadOptional(dir, "memory.events")
	if err != nil {
		return 0, 0, err
	}
	kv := stats.KeyValues(s)
	return kv["oom"], kv["oom_kill"], nil
}
