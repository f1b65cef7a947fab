package container

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// UpdateFlag is one resource flag of `update` as given on the command line
// (Name without dashes, e.g. "memory").
type UpdateFlag struct {
	Name  string
	Value string
}

// UpdateFlagNames are the resource flags `update` accepts, as runc names
// them ("cpu-share" is runc's spelling, "cpu-shares" the documented one).
var UpdateFlagNames = []string{
	"blkio-weight", "cpu-burst", "cpu-idle", "cpu-period", "cpu-quota", "cpu-rt-period",
	"cpu-rt-runtime", "cpu-share", "cpu-shares", "cpuset-cpus", "cpuset-mems",
	"kernel-memory", "kernel-memory-tcp", "memory", "memory-reservation", "memory-swap", "pids-limit",
}

// ResourcesFromFlags turns `update` flags into a resource patch: only what
// a flag sets is non-nil. Value forms follow runc: sizes like "100m" or
// "1g" (binary units) or -1 for unlimited; numbers in decimal. Errors name
// the flag.
func ResourcesFromFlags(flags []UpdateFlag) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	for _, f := range flags {
		bad := func(err error) error {
			return fmt.Errorf("update: invalid value %q for --%s: %w", f.Value, f.Name, err)
		}
		switch f.Name {
		case "memory", "memory-reservation", "memory-swap", "kernel-memory", "kernel-memory-tcp":
			v, err := memoryValue(f.Value)
			if err != nil {
				return nil, bad(err)
			}
			m := mem()
			switch f.Name {
			case "memory":
				m.Limit = &v
			case "memory-reservation":
				m.Reservation = &v
			case "memory-swap":
				m.Swap = &v
			case "kernel-memory":
				m.Kernel = &v //nolint:staticcheck // deprecated, accepted and ignored like runc
			case "kernel-memory-tcp":
				m.KernelTCP = &v //nolint:staticcheck // deprecated in the spec, still a v1 file
			}
		case "cpu-share", "cpu-shares", "cpu-period", "cpu-rt-period", "cpu-burst":
			v, err := strconv.ParseUint(strings.TrimSpace(f.Value), 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			c := cpu()
			switch f.Name {
			case "cpu-share", "cpu-shares":
				c.Shares = &v
			case "cpu-period":
				c.Period = &v
			case "cpu-rt-period":
				c.RealtimePeriod = &v
			case "cpu-burst":
				c.Burst = &v
			}
		case "cpu-quota", "cpu-rt-runtime", "cpu-idle":
			v, err := strconv.ParseInt(strings.TrimSpace(f.Value), 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			c := cpu()
			switch f.Name {
			case "cpu-quota":
				c.Quota = &v
			case "cpu-rt-runtime":
				c.RealtimeRuntime = &v
			case "cpu-idle":
				if v != 0 && v != 1 {
					return nil, bad(fmt.Errorf("want 0 or 1"))
				}
				c.Idle = &v
			}
		case "cpuset-cpus":
			cpu().Cpus = f.Value
		case "cpuset-mems":
			cpu().Mems = f.Value
		case "pids-limit":
			v, err := strconv.ParseInt(strings.TrimSpace(f.Value), 10, 64)
			if err != nil {
				return nil, bad(err)
			}
			if v < 0 {
				v = -1 // any negative is "max", as runc's int flag allows
			}
			r.Pids = &specs.LinuxPids{Limit: &v}
		case "blkio-weight":
			v, err := strconv.ParseUint(strings.TrimSpace(f.Value), 10, 16)
			if err != nil {
				return nil, bad(err)
			}
			if v != 0 && (v < 10 || v > 1000) {
				return nil, bad(fmt.Errorf("want 10-1000"))
			}
			w := uint16(v)
			r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		default:
			return nil, fmt.Errorf("update: unknown resource flag --%s", f.Name)
		}
	}
	return r, nil
}

func memoryValue(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "-1" {
		return -1, nil
	}
	return RAMInBytes(s)
}

var ramRE = regexp.MustCompile(`^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$`)

// RAMInBytes parses a size the way runc's --memory flags do (docker's
// units.RAMInBytes): a number with an optional binary unit k, m, g, t, p
// (any case, optionally followed by "i" and/or "b": "100m", "1.5GiB",
// "512kb"); plain numbers are bytes.
func RAMInBytes(s string) (int64, error) {
	m := ramRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: %w", s, err)
	}
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}[strings.ToLower(m[2])]
	v := n * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return int64(v), nil
}

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
		setI64(&m.Limit, p.Limit)
		setI64(&m.Reservation, p.Reservation)
		setI64(&m.Swap, p.Swap)
		setI64(&m.Kernel, p.Kernel)       //nolint:staticcheck // kept as given
		setI64(&m.KernelTCP, p.KernelTCP) //nolint:staticcheck // kept as given
		if p.Swappiness != nil {
			m.Swappiness = p.Swappiness
		}
		if p.DisableOOMKiller != nil {
			m.DisableOOMKiller = p.DisableOOMKiller
		}
		if p.UseHierarchy != nil {
			m.UseHierarchy = p.UseHierarchy
		}
		if p.CheckBeforeUpdate != nil {
			m.CheckBeforeUpdate = p.CheckBeforeUpdate
		}
	}
	if p := patch.CPU; p != nil {
		if out.CPU == nil {
			out.CPU = &specs.LinuxCPU{}
		}
		c := out.CPU
		setU64(&c.Shares, p.Shares)
		setI64(&c.Quota, p.Quota)
		setU64(&c.Period, p.Period)
		setI64(&c.RealtimeRuntime, p.RealtimeRuntime)
		setU64(&c.RealtimePeriod, p.RealtimePeriod)
		if p.Burst != nil {
			c.Burst = p.Burst
		}
		if p.Idle != nil {
			c.Idle = p.Idle
		}
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
		if p.Weight != nil && *p.Weight != 0 {
			b.Weight = p.Weight
		}
		if p.LeafWeight != nil && *p.LeafWeight != 0 {
			b.LeafWeight = p.LeafWeight
		}
		if len(p.WeightDevice) > 0 {
			b.WeightDevice = p.WeightDevice
		}
		if len(p.ThrottleReadBpsDevice) > 0 {
			b.ThrottleReadBpsDevice = p.ThrottleReadBpsDevice
		}
		if len(p.ThrottleWriteBpsDevice) > 0 {
			b.ThrottleWriteBpsDevice = p.ThrottleWriteBpsDevice
		}
		if len(p.ThrottleReadIOPSDevice) > 0 {
			b.ThrottleReadIOPSDevice = p.ThrottleReadIOPSDevice
		}
		if len(p.ThrottleWriteIOPSDevice) > 0 {
			b.ThrottleWriteIOPSDevice = p.ThrottleWriteIOPSDevice
		}
	}
	if len(patch.HugepageLimits) > 0 {
		out.HugepageLimits = patch.HugepageLimits
	}
	if patch.Network != nil {
		out.Network = patch.Network
	}
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

func setI64(dst **int64, v *int64) {
	if v != nil && *v != 0 {
		x := *v
		*dst = &x
	}
}

func setU64(dst **uint64, v *uint64) {
	if v != nil && *v != 0 {
		x := *v
		*dst = &x
	}
}
