// Package fs1 writes OCI resources into cgroup v1 hierarchies. It knows only
// directories: which directory belongs to which controller is decided by the
// caller (package cgroups), so everything here can be tested over a temp dir.
package fs1

import (
	"errors"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrNoController is wrapped by Set when a resource is requested but its
// controller has no directory (not mounted, or skipped for a rootless
// container).
var ErrNoController = errors.New("cgroup controller not available")

type step struct {
	ctrl string
	need bool
	fn   func(dir string) error
}

// Set writes r into the controllers' directories in paths (controller name
// -> absolute dir). Only resources that r sets are touched; a requested
// resource whose controller is missing from paths is an error.
func Set(paths map[string]string, r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	steps := []step{
		{"memory", r.Memory != nil, func(d string) error { return setMemory(d, r.Memory) }},
		{"cpu", cpuNeeded(r.CPU), func(d string) error { return setCPU(d, r.CPU) }},
		{"cpuset", r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != ""), func(d string) error { return setCpuset(d, r.CPU) }},
		{"pids", r.Pids != nil && r.Pids.Limit != nil, func(d string) error { return setPids(d, *r.Pids.Limit) }},
		{"blkio", blkioNeeded(r.BlockIO), func(d string) error { return setBlkio(d, r.BlockIO) }},
		{"hugetlb", len(r.HugepageLimits) > 0, func(d string) error { return setHugetlb(d, r.HugepageLimits) }},
		{"net_cls", r.Network != nil && r.Network.ClassID != nil, func(d string) error { return setClassID(d, *r.Network.ClassID) }},
		{"net_prio", r.Network != nil && len(r.Network.Priorities) > 0, func(d string) error { return setPrio(d, r.Network.Priorities) }},
		{"rdma", len(r.Rdma) > 0, func(d string) error { return setRdma(d, r.Rdma) }},
		{"devices", len(r.Devices) > 0, func(d string) error { return SetDevices(d, r.Devices) }},
	}
	for _, s := range steps {
		if !s.need {
			continue
		}
		dir, ok := paths[s.ctrl]
		if !ok || dir == "" {
			return fmt.Errorf("set %s resources: %w", s.ctrl, ErrNoController)
		}
		if err := s.fn(dir); err != nil {
			return fmt.Errorf("set %s resources: %w", s.ctrl, err)
		}
	}
	return nil
}

func i64(v int64) string  { return strconv.FormatInt(v, 10) }
func u64(v uint64) string { return strconv.FormatUint(v, 10) }
