package fs1

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

const (
	memLimit = "memory.limit_in_bytes"
	memSwap  = "memory.memsw.limit_in_bytes"
)

func setMemory(dir string, m *specs.LinuxMemory) error {
	// 0 means "not set" for limit and swap, as in runc.
	var limit, swap string
	if m.Limit != nil && *m.Limit != 0 {
		limit = i64(*m.Limit)
	}
	if m.Swap != nil && *m.Swap != 0 {
		swap = i64(*m.Swap)
	} else if m.Limit != nil && *m.Limit == -1 && cgfile.Exists(dir, memSwap) {
		// An unlimited memory limit above a finite memsw limit is rejected
		// by the kernel (memsw must be >= limit), so lift both.
		swap = "-1"
	}
	if m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && m.Limit != nil && *m.Limit > 0 {
		if err := checkUsage(dir, *m.Limit); err != nil {
			return err
		}
	}
	if err := setLimitAndSwap(dir, limit, swap); err != nil {
		return err
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		if err := cgfile.Write(dir, "memory.soft_limit_in_bytes", i64(*m.Reservation)); err != nil {
			return err
		}
	}
	// m.Kernel is deprecated by the runtime-spec and rejected by kernels
	// >= 6.x; it is ignored like runc does.
	if m.KernelTCP != nil && *m.KernelTCP != 0 {
		if err := cgfile.Write(dir, "memory.kmem.tcp.limit_in_bytes", i64(*m.KernelTCP)); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("invalid memory swappiness %d: must be 0-100", *m.Swappiness)
		}
		if err := cgfile.Write(dir, "memory.swappiness", u64(*m.Swappiness)); err != nil {
			return err
		}
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		if err := cgfile.Write(dir, "memory.oom_control", "1"); err != nil {
			return err
		}
	}
	if m.UseHierarchy != nil {
		v := "0"
		if *m.UseHierarchy {
			v = "1"
		}
		if err := cgfile.Write(dir, "memory.use_hierarchy", v); err != nil {
			return err
		}
	}
	return nil
}

// setLimitAndSwap keeps the kernel's invariant memsw >= limit at every step:
// when limits shrink the memory limit goes first, when they grow memsw must go
// first. Rather than reading the current values we try limit-first and fall
// back to swap-first on failure.
func setLimitAndSwap(dir, limit, swap string) error {
	if swap != "" && !cgfile.Exists(dir, memSwap) {
		return fmt.Errorf("memory swap limit requested but %s/%s is missing (kernel booted without swapaccount=1?)", dir, memSwap)
	}
	if limit != "" {
		if err := cgfile.Write(dir, memLimit, limit); err != nil {
			if swap == "" {
				return err
			}
			if serr := cgfile.Write(dir, memSwap, swap); serr != nil {
				return fmt.Errorf("%w (and swap-first: %v)", err, serr)
			}
			return cgfile.Write(dir, memLimit, limit)
		}
	}
	if swap != "" {
		return cgfile.Write(dir, memSwap, swap)
	}
	return nil
}

func checkUsage(dir string, limit int64) error {
	s, err := cgfile.Read(dir, "memory.usage_in_bytes")
	if err != nil {
		return err
	}
	usage, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("parse memory usage %q: %w", s, err)
	}
	if limit < usage {
		return fmt.Errorf("memory limit %d is lower than current usage %d", limit, usage)
	}
	return nil
}
