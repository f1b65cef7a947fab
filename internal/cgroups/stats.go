package cgroups

import (
	"fmt"

	"github.com/hull-runtime/hull/internal/cgroups/fs1"
	"github.com/hull-runtime/hull/internal/cgroups/fs2"
	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

// Stats reads the container's counters in runc's `events` shape. On v1 each
// controller's part comes from its own hierarchy; on a hybrid host the
// unified hierarchy adds what only it holds (hugetlb on some kernels).
func (m *manager) Stats() (*stats.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &stats.Stats{Hugetlb: map[string]stats.Hugetlb{}}
	if m.st.Mode == Unified {
		d := m.st.Paths["unified"]
		if d == "" {
			return nil, fmt.Errorf("stats: container has no cgroup")
		}
		if err := fs2.Stats(d, s); err != nil {
			return nil, err
		}
		return s, nil
	}
	p := m.st.Paths
	steps := []struct {
		ctrl string
		fn   func(dir string) error
	}{
		{"cpuacct", func(d string) error { return fs1.CPUStats(p["cpu"], d, &s.CPU) }},
		{"memory", func(d string) error { return fs1.MemoryStats(d, &s.Memory) }},
		{"pids", func(d string) error { return stats.ReadPids(d, &s.Pids) }},
		{"blkio", func(d string) error { return fs1.BlkioStats(d, &s.Blkio) }},
		{"cpuset", func(d string) error { return fs1.CpusetStats(d, &s.CPUSet) }},
		{"hugetlb", func(d string) error {
			h, err := fs1.HugetlbStats(d)
			for k, v := range h {
				s.Hugetlb[k] = v
			}
			return err
		}},
	}
	for _, st := range steps {
		d := p[st.ctrl]
		if d == "" && st.ctrl == "cpuacct" && p["cpu"] != "" {
			// cpu without cpuacct: still report throttling.
			if err := fs1.CPUStats(p["cpu"], "", &s.CPU); err != nil {
				return nil, fmt.Errorf("cpu stats: %w", err)
			}
			continue
		}
		if d == "" {
			continue
		}
		if err := st.fn(d); err != nil {
			return nil, fmt.Errorf("%s stats: %w", st.ctrl, err)
		}
	}
	if u := p["unified"]; u != "" && p["hugetlb"] == "" {
		h, err := fs2.HugetlbStats(u)
		if err != nil {
			return nil, fmt.Errorf("hugetlb stats: %w", err)
		}
		for k, v := range h {
			s.Hugetlb[k] = v
		}
	}
	return s, nil
}

// OOMState is what `events` watches to report OOM: Kills counts OOM kills
// (v1 memory.oom_control oom_kill, v2 memory.events oom_kill); UnderOOM is
// v1's under_oom (tasks stalled on the limit with the OOM killer disabled),
// and on v2 the "oom" count of memory.events is folded into Events.
type OOMState struct {
	Kills    uint64
	Events   uint64
	UnderOOM bool
}

// OOM reads the container's OOM counters. A container without a memory
// cgroup has none: zero, nil.
func (m *manager) OOM() (OOMState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.st.Mode != Unified {
		if d := m.st.Paths["memory"]; d != "" {
			under, kills, err := fs1.OOMState(d)
			if err != nil {
				return OOMState{}, fmt.Errorf("read oom state: %w", err)
			}
			return OOMState{Kills: kills, UnderOOM: under}, nil
		}
		return OOMState{}, nil
	}
	if d := m.st.Paths["unified"]; d != "" {
		oom, kills, err := fs2.OOMKills(d)
		if err != nil {
			return OOMState{}, fmt.Errorf("read oom state: %w", err)
		}
		return OOMState{Kills: kills, Events: oom}, nil
	}
	return OOMState{}, nil
}
