package ebpf

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
)

// Offsets in struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }.
const (
	offAccessType = 0
	offMajor      = 4
	offMinor      = 8
)

// Instructions compiles a Ruleset into a BPF_PROG_TYPE_CGROUP_DEVICE
// program: it returns 1 (allow) or 0 (deny, the caller gets EPERM).
//
// The checks mirror the v1 kernel's (security/device_cgroup.c): with a
// default deny, a request is allowed when ONE exception matches the device
// and covers every requested access bit (match_exception); with a default
// allow, it is denied when one exception matches the device and shares any
// requested bit (match_exception_partial).
func Instructions(rs Ruleset) (asm.Instructions, error) {
	insts := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, offAccessType, asm.Word),
		asm.And.Imm32(asm.R2, 0xffff), // R2 = device type
		asm.LoadMem(asm.R3, asm.R1, offAccessType, asm.Word),
		asm.RSh.Imm32(asm.R3, 16), // R3 = requested access bits
		asm.LoadMem(asm.R4, asm.R1, offMajor, asm.Word),
		asm.LoadMem(asm.R5, asm.R1, offMinor, asm.Word),
	}
	match, noMatch := int32(1), int32(0)
	if rs.DefaultAllow {
		match, noMatch = 0, 1
	}
	label := func(i int) string { return fmt.Sprintf("rule-%d", i) }
	for i, r := range rs.Exceptions {
		next := label(i + 1)
		var block asm.Instructions
		switch r.Type {
		case 'b':
			block = append(block, asm.JNE.Imm(asm.R2, int32(devBlock), next))
		case 'c':
			block = append(block, asm.JNE.Imm(asm.R2, int32(devChar), next))
		default:
			return nil, fmt.Errorf("device rule %s: exceptions must be of type b or c", r)
		}
		if r.Access == 0 || r.Access&^accAll != 0 {
			return nil, fmt.Errorf("device rule %s: invalid access bits %#x", r, r.Access)
		}
		block = append(block, asm.Mov.Reg32(asm.R1, asm.R3))
		if rs.DefaultAllow {
			// Deny exception: any shared bit matches.
			block = append(block,
				asm.And.Imm32(asm.R1, int32(r.Access)),
				asm.JEq.Imm(asm.R1, 0, next))
		} else {
			// Allow exception: no requested bit may be outside it.
			block = append(block,
				asm.And.Imm32(asm.R1, int32(accAll&^r.Access)),
				asm.JNE.Imm(asm.R1, 0, next))
		}
		if r.Major != Wildcard {
			block = append(block, asm.JNE.Imm(asm.R4, int32(r.Major), next))
		}
		if r.Minor != Wildcard {
			block = append(block, asm.JNE.Imm(asm.R5, int32(r.Minor), next))
		}
		block = append(block, asm.Mov.Imm32(asm.R0, match), asm.Return())
		block[0] = block[0].WithSymbol(label(i))
		insts = append(insts, block...)
	}
	insts = append(insts,
		asm.Mov.Imm32(asm.R0, noMatch).WithSymbol(label(len(rs.Exceptions))),
		asm.Return())
	return insts, nil
}
