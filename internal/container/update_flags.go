package container

import (
	"fmt"
	"maps"
	"math"
	"slices"
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

// flagSetter parses one flag's value into the patch; the error is wrapped
// with the flag's name by ResourcesFromFlags.
type flagSetter func(r *specs.LinuxResources, value string) error

// updateFlags is every resource flag `update` accepts, as runc names them
// ("cpu-share" is runc's spelling, "cpu-shares" the documented one), and
// where its value goes. Value forms follow runc: sizes like "100m" or "1g"
// (binary units) or -1 for unlimited; numbers in decimal.
var updateFlags = map[string]flagSetter{
	"memory":             memoryFlag(func(m *specs.LinuxMemory, v *int64) { m.Limit = v }),
	"memory-reservation": memoryFlag(func(m *specs.LinuxMemory, v *int64) { m.Reservation = v }),
	"memory-swap":        memoryFlag(func(m *specs.LinuxMemory, v *int64) { m.Swap = v }),
	//nolint:staticcheck // deprecated, accepted and ignored like runc
	"kernel-memory": memoryFlag(func(m *specs.LinuxMemory, v *int64) { m.Kernel = v }),
	//nolint:staticcheck // deprecated in the spec, still a v1 file
	"kernel-memory-tcp": memoryFlag(func(m *specs.LinuxMemory, v *int64) { m.KernelTCP = v }),
	"cpu-share":         cpuUintFlag(func(c *specs.LinuxCPU, v *uint64) { c.Shares = v }),
	"cpu-shares":        cpuUintFlag(func(c *specs.LinuxCPU, v *uint64) { c.Shares = v }),
	"cpu-period":        cpuUintFlag(func(c *specs.LinuxCPU, v *uint64) { c.Period = v }),
	"cpu-rt-period":     cpuUintFlag(func(c *specs.LinuxCPU, v *uint64) { c.RealtimePeriod = v }),
	"cpu-burst":         cpuUintFlag(func(c *specs.LinuxCPU, v *uint64) { c.Burst = v }),
	"cpu-quota":         cpuIntFlag(func(c *specs.LinuxCPU, v *int64) { c.Quota = v }),
	"cpu-rt-runtime":    cpuIntFlag(func(c *specs.LinuxCPU, v *int64) { c.RealtimeRuntime = v }),
	"cpu-idle": func(r *specs.LinuxResources, s string) error {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		if v != 0 && v != 1 {
			return fmt.Errorf("want 0 or 1")
		}
		cpuOf(r).Idle = &v
		return nil
	},
	"cpuset-cpus": func(r *specs.LinuxResources, s string) error { cpuOf(r).Cpus = s; return nil },
	"cpuset-mems": func(r *specs.LinuxResources, s string) error { cpuOf(r).Mems = s; return nil },
	"pids-limit": func(r *specs.LinuxResources, s string) error {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		if v < 0 {
			v = -1 // any negative is "max", as runc's int flag allows
		}
		r.Pids = &specs.LinuxPids{Limit: &v}
		return nil
	},
	"blkio-weight": func(r *specs.LinuxResources, s string) error {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
		if err != nil {
			return err
		}
		if v != 0 && (v < 10 || v > 1000) {
			return fmt.Errorf("want 10-1000")
		}
		w := uint16(v)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
		return nil
	},
}

// UpdateFlagNames are the resource flags `update` accepts, sorted.
var UpdateFlagNames = slices.Sorted(maps.Keys(updateFlags))

// ResourcesFromFlags turns `update` flags into a resource patch: only what
// a flag sets is non-nil. Errors name the flag.
func ResourcesFromFlags(flags []UpdateFlag) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	for _, f := range flags {
		set, ok := updateFlags[f.Name]
		if !ok {
			return nil, fmt.Errorf("update: unknown resource flag --%s", f.Name)
		}
		if err := set(r, f.Value); err != nil {
			return nil, fmt.Errorf("update: invalid value %q for --%s: %w", f.Value, f.Name, err)
		}
	}
	return r, nil
}

func memoryOf(r *specs.LinuxResources) *specs.LinuxMemory {
	if r.Memory == nil {
		r.Memory = &specs.LinuxMemory{}
	}
	return r.Memory
}

func cpuOf(r *specs.LinuxResources) *specs.LinuxCPU {
	if r.CPU == nil {
		r.CPU = &specs.LinuxCPU{}
	}
	return r.CPU
}

// memoryFlag is a size flag ("100m", or -1 for unlimited) of linux.resources.memory.
func memoryFlag(field func(*specs.LinuxMemory, *int64)) flagSetter {
	return func(r *specs.LinuxResources, s string) error {
		v, err := memoryValue(s)
		if err != nil {
			return err
		}
		field(memoryOf(r), &v)
		return nil
	}
}

// cpuUintFlag is a non-negative decimal flag of linux.resources.cpu.
func cpuUintFlag(field func(*specs.LinuxCPU, *uint64)) flagSetter {
	return func(r *specs.LinuxResources, s string) error {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		field(cpuOf(r), &v)
		return nil
	}
}

// cpuIntFlag is a signed decimal flag of linux.resources.cpu (-1: unlimited).
func cpuIntFlag(field func(*specs.LinuxCPU, *int64)) flagSetter {
	return func(r *specs.LinuxResources, s string) error {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		field(cpuOf(r), &v)
		return nil
	}
}

func memoryValue(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "-1" {
		return -1, nil
	}
	return RAMInBytes(s)
}

// RAMInBytes parses a size the way runc's --memory flags do (docker's
// units.RAMInBytes): a number with an optional binary unit k, m, g, t, p
// (any case, optionally followed by "i" and/or "b": "100m", "1.5GiB",
// "512kb"); plain numbers are bytes. The grammar,
// ^(\d+(\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$, is matched by hand: package
// regexp (and the unicode tables it initialises) would cost every hull
// process its start-up work for a flag of `update` alone.
func RAMInBytes(s string) (int64, error) {
	num, unit, ok := splitSize(s)
	if !ok {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: %w", s, err)
	}
	m := []string{"", unit}
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}[strings.ToLower(m[1])]
	v := n * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return int64(v), nil
}

// splitSize splits s into its number and unit letter ("" for none) along
// RAMInBytes' grammar.
func splitSize(s string) (num, unit string, ok bool) {
	digits := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i := digits(0)
	if i == 0 {
		return "", "", false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return "", "", false
		}
		i = j
	}
	num = s[:i]
	if i < len(s) && s[i] == ' ' {
		i++
	}
	if i < len(s) && strings.IndexByte("kKmMgGtTpP", s[i]) >= 0 {
		unit = s[i : i+1]
		i++
	}
	if i < len(s) && (s[i] == 'i' || s[i] == 'I') {
		i++
	}
	if i < len(s) && (s[i] == 'b' || s[i] == 'B') {
		i++
	}
	return num, unit, i == len(s)
}
