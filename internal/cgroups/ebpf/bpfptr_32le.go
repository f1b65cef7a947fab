//go:build 386 || arm || mipsle

package ebpf

import "unsafe"

// bpfPtr is an __aligned_u64 of union bpf_attr holding a user pointer: on
// 32-bit little-endian ABIs the pointer is the low half, the high half 0.
type bpfPtr struct {
	p unsafe.Pointer
	_ uint32
}
