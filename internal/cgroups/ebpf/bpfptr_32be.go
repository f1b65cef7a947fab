//go:build mips

package ebpf

import "unsafe"

// bpfPtr is an __aligned_u64 of union bpf_attr holding a user pointer: on
// 32-bit big-endian ABIs the high (zero) half comes first.
type bpfPtr struct {
	_ uint32
	p unsafe.Pointer
}
