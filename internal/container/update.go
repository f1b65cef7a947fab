package container

import (
	"encoding/json"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ParseResources reads `update -r`: an OCI LinuxResources JSON document.
func ParseResources(in io.Reader) (*specs.LinuxResources, error) {
	var r specs.LinuxResources
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		return nil, fmt.Errorf("update: --resources: parse LinuxResources JSON: %w", err)
	}
	return &r, nil
}

// Update applies a resource patch to a created, running or paused
// container and stores the merged resources in its state, so later reads
// (and later updates) see them. what names the source of the patch (the
// flags given) for error messages.
func (r *Runtime) Update(id string, patch *specs.LinuxResources, what string) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if st := r.StatusOf(c); st == specs.StateStopped {
		return &WrongStatus{Op: "update", ID: id, Status: st}
	}
	m := r.cgroupOf(c)
	if m == nil {
		return fmt.Errorf("cannot update container %q: it has no cgroup", id)
	}
	if c.Config == nil {
		c.Config = &specs.Spec{}
	}
	if c.Config.Linux == nil {
		c.Config.Linux = &specs.Linux{}
	}
	merged := MergeResources(c.Config.Linux.Resources, patch)
	if err := m.Set(resourcesToWrite(patch, merged)); err != nil {
		return fmt.Errorf("update container %q (%s): %w", id, what, err)
	}
	c.Config.Linux.Resources = merged
	if err := r.Store.Write(c); err != nil {
		return fmt.Errorf("update container %q: cgroup changed but state not saved: %w", id, err)
	}
	return nil
}

// resourcesToWrite is the patch, with the partner of each coupled value
// taken from the merged config: the kernel checks memory against memsw and
// a quota against its period, so the cgroup driver needs both to pick a
// write order that works. Device rules are not updated (runc ignores them
// too: the default allow list would have to be re-derived).
func resourcesToWrite(patch, merged *specs.LinuxResources) *specs.LinuxResources {
	w := *patch
	w.Devices = nil
	if patch.Memory != nil && merged.Memory != nil {
		m := *patch.Memory
		if m.Limit != nil || m.Swap != nil {
			m.Limit, m.Swap = merged.Memory.Limit, merged.Memory.Swap
		}
		w.Memory = &m
	}
	if patch.CPU != nil && merged.CPU != nil {
		c := *patch.CPU
		if c.Quota != nil || c.Period != nil {
			c.Quota, c.Period = merged.CPU.Quota, merged.CPU.Period
		}
		if c.RealtimeRuntime != nil || c.RealtimePeriod != nil {
			c.RealtimeRuntime, c.RealtimePeriod = merged.CPU.RealtimeRuntime, merged.CPU.RealtimePeriod
		}
		w.CPU = &c
	}
	return &w
}

// MergeResources returns base with patch applied (neither is modified).
// A value counts as given when it is set and, for the numbers where 0
// means "unset" in runc's model (limits, shares, quota, period, weight,
// pids), non-zero.
func MergeResources(base, patch *specs.LinuxResources) *specs.LinuxResources {
	var out specs.LinuxResources
	if base != nil {
		b, _ := json.Marshal(base)
		_ = json.Unmarshal(b, &out) // deep copy of a value that marshalled
	}
	if patch == nil {
		return &out
	}
	if p := patch.Memory; p != nil {
		if out.Memory == nil {
			out.Memory = &specs.LinuxMemory{}
		}
		m := out.Memory
		setNonZero(&m.Limit, p.Limit)
		setNonZero(&m.Reservation, p.Reservation)
		setNonZero(&m.Swap, p.Swap)
		setNonZero(&m.Kernel, p.Kernel)       //nolint:staticcheck // kept as given
		setNonZero(&m.KernelTCP, p.KernelTCP) //nolint:staticcheck // kept as given
		setGiven(&m.Swappiness, p.Swappiness)
		setGiven(&m.DisableOOMKiller, p.DisableOOMKiller)
		setGiven(&m.UseHierarchy, p.UseHierarchy)
		setGiven(&m.CheckBeforeUpdate, p.CheckBeforeUpdate)
	}
	if p := patch.CPU; p != nil {
		if out.CPU == nil {
			out.CPU = &specs.LinuxCPU{}
		}
		c := out.CPU
		setNonZero(&c.Shares, p.Shares)
		setNonZero(&c.Quota, p.Quota)
		setNonZero(&c.Period, p.Period)
		setNonZero(&c.RealtimeRuntime, p.RealtimeRuntime)
		setNonZero(&c.RealtimePeriod, p.RealtimePeriod)
		setGiven(&c.Burst, p.Burst)
		setGiven(&c.Idle, p.Idle)
		if p.Cpus != "" {
			c.Cpus = p.Cpus
		}
		if p.Mems != "" {
			c.Mems = p.Mems
		}
	}
	if p := patch.Pids; p != nil && p.Limit != nil && *p.Limit != 0 {
		v := *p.Limit
		out.Pids = &specs.LinuxPids{Limit: &v}
	}
	if p := patch.BlockIO; p != nil {
		if out.BlockIO == nil {
			out.BlockIO = &specs.LinuxBlockIO{}
		}
		b := out.BlockIO
		setNonZero(&b.Weight, p.Weight)
		setNonZero(&b.LeafWeight, p.LeafWeight)
		setNonEmpty(&b.WeightDevice, p.WeightDevice)
		setNonEmpty(&b.ThrottleReadBpsDevice, p.ThrottleReadBpsDevice)
		setNonEmpty(&b.ThrottleWriteBpsDevice, p.ThrottleWriteBpsDevice)
		setNonEmpty(&b.ThrottleReadIOPSDevice, p.ThrottleReadIOPSDevice)
		setNonEmpty(&b.ThrottleWriteIOPSDevice, p.ThrottleWriteIOPSDevice)
	}
	setNonEmpty(&out.HugepageLimits, patch.HugepageLimits)
	setGiven(&out.Network, patch.Network)
	if len(patch.Rdma) > 0 {
		out.Rdma = patch.Rdma
	}
	if len(patch.Unified) > 0 {
		if out.Unified == nil {
			out.Unified = map[string]string{}
		}
		for k, v := range patch.Unified {
			out.Unified[k] = v
		}
	}
	return &out
}

// setNonZero sets *dst to a copy of *v for the numbers where 0 means
// "unset" in runc's model.
func setNonZero[T int64 | uint64 | uint16](dst **T, v *T) {
	if v != nil && *v != 0 {
		x := *v
		*dst = &x
	}
}

// setGiven sets *dst to v when the patch gives it (nil: not given).
func setGiven[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// setNonEmpty replaces a list when the patch gives a non-empty one.
func setNonEmpty[T any](dst *[]T, v []T) {
	if len(v) > 0 {
		*dst = v
	}
}
