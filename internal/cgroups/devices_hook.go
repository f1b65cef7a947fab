package cgroups

import (
	"github.com/hull-runtime/hull/internal/cgroups/ebpf"
	"github.com/hull-runtime/hull/internal/cgroups/fs2"
)

// On cgroup v2 device rules are enforced by an eBPF program attached to the
// container's cgroup; fs2 calls this hook from Set.
func init() { fs2.DevicesHook = ebpf.Apply }
