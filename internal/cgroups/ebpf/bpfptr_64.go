//go:build amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x

package ebpf

import "unsafe"

// bpfPtr is an __aligned_u64 of union bpf_attr holding a user pointer. It
// is an unsafe.Pointer rather than a uint64 so the garbage collector sees
// the buffer as referenced while the attr lives. (A trailing zero-length
// padding array would not do for all ABIs: Go pads a struct ending in a
// zero-size field, which would make this 16 bytes.)
type bpfPtr struct {
	p unsafe.Pointer
}
