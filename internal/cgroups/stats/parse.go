package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseUint parses a cgroup number; "max" (v2's "no limit") is MaxUint64,
// and the negative values v1 prints for "unlimited" in some files clamp to 0.
func ParseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("parse %q: %w", s, err)
	}
	return v, nil
}

// KeyValues parses "key value" lines (memory.stat, cpu.stat, memory.events,
// memory.oom_control). Lines that do not parse are skipped: kernels add
// fields, and one odd line must not hide the rest.
func KeyValues(s string) map[string]uint64 {
	out := map[string]uint64{}
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		if v, err := ParseUint(f[1]); err == nil {
			out[f[0]] = v
		}
	}
	return out
}

// Uints parses a space separated list of numbers (cpuacct.usage_percpu).
func Uints(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Fields(s) {
		v, err := ParseUint(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CPUList expands a cpuset list ("0-3,6") into its members.
func CPUList(s string) ([]uint16, error) {
	var out []uint16
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("parse cpu list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("parse cpu list %q: bad range %q", s, part)
			}
		}
		if b-a > 65535 {
			return nil, fmt.Errorf("parse cpu list %q: range too large", s)
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}
