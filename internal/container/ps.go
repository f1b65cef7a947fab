package container

import (
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Pids lists the container's processes (host pids).
func (r *Runtime) Pids(id string) ([]int, error) {
	c, err := r.Store.Read(id)
	if err != nil {
		return nil, err
	}
	if r.StatusOf(c) == specs.StateStopped {
		return []int{}, nil
	}
	m := r.cgroupOf(c)
	if m == nil {
		return []int{c.Pid}, nil
	}
	pids, err := m.Pids()
	if err != nil {
		return nil, err
	}
	sort.Ints(pids)
	return pids, nil
}
