package procattr

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var mpolModes = map[specs.MemoryPolicyModeType]int{
	specs.MpolDefault:            unix.MPOL_DEFAULT,
	specs.MpolPreferred:          unix.MPOL_PREFERRED,
	specs.MpolBind:               unix.MPOL_BIND,
	specs.MpolInterleave:         unix.MPOL_INTERLEAVE,
	specs.MpolLocal:              unix.MPOL_LOCAL,
	specs.MpolPreferredMany:      unix.MPOL_PREFERRED_MANY,
	specs.MpolWeightedInterleave: unix.MPOL_WEIGHTED_INTERLEAVE,
}

var mpolFlags = map[specs.MemoryPolicyFlagType]int{
	specs.MpolFNumaBalancing: unix.MPOL_F_NUMA_BALANCING,
	specs.MpolFRelativeNodes: unix.MPOL_F_RELATIVE_NODES,
	specs.MpolFStaticNodes:   unix.MPOL_F_STATIC_NODES,
}

// maxNode bounds node numbers so a hostile "nodes" string cannot make hull
// allocate a huge mask; the kernel's own limit (MAX_NUMNODES) is 1024 at most.
const maxNode = 1 << 12

// parseNodes turns "0-3,5" into a nodemask of 64-bit words.
func parseNodes(s string) ([]uint64, error) {
	var mask []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("empty element in %q", s)
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad node %q in %q", lo, s)
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("bad node %q in %q", hi, s)
			}
		}
		if first < 0 || last < first || last >= maxNode {
			return nil, fmt.Errorf("bad node range %q in %q", part, s)
		}
		for n := first; n <= last; n++ {
			for len(mask) <= n/64 {
				mask = append(mask, 0)
			}
			mask[n/64] |= 1 << (n % 64)
		}
	}
	return mask, nil
}

// memPolicyArgs converts linux.memoryPolicy into set_mempolicy(2)'s mode
// (with flags) and nodemask.
func memPolicyArgs(m *specs.LinuxMemoryPolicy) (int, []uint64, error) {
	mode, ok := mpolModes[m.Mode]
	if !ok {
		return 0, nil, fmt.Errorf("linux.memoryPolicy.mode: unknown mode %q", m.Mode)
	}
	for _, f := range m.Flags {
		bit, ok := mpolFlags[f]
		if !ok {
			return 0, nil, fmt.Errorf("linux.memoryPolicy.flags: unknown flag %q", f)
		}
		mode |= bit
	}
	nodes := strings.TrimSpace(m.Nodes)
	switch m.Mode {
	case specs.MpolDefault, specs.MpolLocal:
		// The kernel insists on an empty mask for these; say so clearly.
		if nodes != "" {
			return 0, nil, fmt.Errorf("linux.memoryPolicy.nodes: must be empty for %s", m.Mode)
		}
		return mode, nil, nil
	case specs.MpolPreferred:
		// An empty mask means "local", so it is allowed here.
		if nodes == "" {
			return mode, nil, nil
		}
	default:
		if nodes == "" {
			return 0, nil, fmt.Errorf("linux.memoryPolicy.nodes: required for %s", m.Mode)
		}
	}
	mask, err := parseNodes(nodes)
	if err != nil {
		return 0, nil, fmt.Errorf("linux.memoryPolicy.nodes: %w", err)
	}
	return mode, mask, nil
}

// MemoryPolicy applies linux.memoryPolicy to the calling thread with
// set_mempolicy(2); the policy is kept across execve and inherited by
// children.
func MemoryPolicy(m *specs.LinuxMemoryPolicy) error {
	if m == nil {
		return nil
	}
	mode, mask, err := memPolicyArgs(m)
	if err != nil {
		return err
	}
	var ptr, maxnode uintptr
	if len(mask) > 0 {
		ptr = uintptr(unsafe.Pointer(&mask[0]))
		// The kernel reads maxnode-1 bits (mm/mempolicy.c get_nodes
		// decrements it first), so pass one more than the mask holds.
		maxnode = uintptr(len(mask)*64 + 1)
	}
	_, _, errno := unix.Syscall(unix.SYS_SET_MEMPOLICY, uintptr(mode), ptr, maxnode)
	if errno != 0 {
		return fmt.Errorf("linux.memoryPolicy: set_mempolicy(%s, nodes %q): %w", m.Mode, m.Nodes, errno)
	}
	return nil
}
