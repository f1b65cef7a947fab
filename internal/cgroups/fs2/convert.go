// Package fs2 writes OCI resources into a cgroup v2 (unified) directory. All
// functions take directories, so the mapping is tested over a temp dir.
package fs2

import (
	"fmt"
	"strconv"
)

// CPUSharesToWeight maps v1 cpu.shares [2, 262144] onto v2 cpu.weight
// [1, 10000] linearly, with the same formula runc and crun use so that a
// container gets the same weight whichever runtime started it. 0 means unset.
func CPUSharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < 2 {
		shares = 2
	}
	if shares > 262144 {
		shares = 262144
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioWeightToIOWeight maps v1 blkio.weight [10, 1000] onto v2 io.weight
// [1, 10000] (same linear mapping as runc). 0 means unset.
func BlkioWeightToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	v := uint64(w)
	if v < 10 {
		v = 10
	}
	if v > 1000 {
		v = 1000
	}
	return 1 + (v-10)*9999/990
}

// SwapMax converts the OCI swap value, which is memory+swap as in v1's
// memsw, into v2's memory.swap.max, which counts swap alone. ok is false
// when nothing should be written (swap unset).
func SwapMax(swap, limit int64) (value string, ok bool, err error) {
	switch {
	case swap == 0:
		return "", false, nil
	case swap == -1:
		return "max", true, nil
	case swap < -1:
		return "", false, fmt.Errorf("invalid memory swap %d", swap)
	case limit == 0 || limit == -1:
		return "", false, fmt.Errorf("memory swap %d needs a memory limit on cgroup v2", swap)
	case limit < 0:
		return "", false, fmt.Errorf("invalid memory limit %d", limit)
	case swap < limit:
		return "", false, fmt.Errorf("memory swap %d (memory+swap) is lower than the memory limit %d", swap, limit)
	}
	return strconv.FormatInt(swap-limit, 10), true, nil
}

// CPUMax renders cpu.max ("$QUOTA $PERIOD"; "max" for no quota). ok is false
// when neither value is set.
func CPUMax(quota int64, period uint64) (string, bool) {
	if quota == 0 && period == 0 {
		return "", false
	}
	s := "max"
	if quota > 0 {
		s = strconv.FormatInt(quota, 10)
	}
	if period != 0 {
		s += " " + strconv.FormatUint(period, 10)
	}
	return s, true
}

func limitOrMax(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}
