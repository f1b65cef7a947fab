package ebpf

import "fmt"

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
func Instructions(rs Ruleset) ([]Insn, error) {
	insts := []Insn{
		loadW(R2, R1, offAccessType),
		and32(R2, 0xffff), // R2 = device type
		loadW(R3, R1, offAccessType),
		rsh32(R3, 16), // R3 = requested access bits
		loadW(R4, R1, offMajor),
		loadW(R5, R1, offMinor),
	}
	match, noMatch := int32(1), int32(0)
	if rs.DefaultAllow {
		match, noMatch = 0, 1
	}
	label := func(i int) string { return fmt.Sprintf("rule-%d", i) }
	for i, r := range rs.Exceptions {
		next := label(i + 1)
		var block []Insn
		switch r.Type {
		case 'b':
			block = append(block, jne(R2, int32(devBlock), next))
		case 'c':
			block = append(block, jne(R2, int32(devChar), next))
		default:
			return nil, fmt.Errorf("device rule %s: exceptions must be of type b or c", r)
		}
		if r.Access == 0 || r.Access&^accAll != 0 {
			return nil, fmt.Errorf("device rule %s: invalid access bits %#x", r, r.Access)
		}
		block = append(block, mov32Reg(R1, R3))
		if rs.DefaultAllow {
			// Deny exception: any shared bit matches.
			block = append(block,
				and32(R1, int32(r.Access)),
				jeq(R1, 0, next))
		} else {
			// Allow exception: no requested bit may be outside it.
			block = append(block,
				and32(R1, int32(accAll&^r.Access)),
				jne(R1, 0, next))
		}
		if r.Major != Wildcard {
			block = append(block, jne(R4, int32(r.Major), next))
		}
		if r.Minor != Wildcard {
			block = append(block, jne(R5, int32(r.Minor), next))
		}
		block = append(block, mov32(R0, match), exit())
		block[0] = block[0].WithLabel(label(i))
		insts = append(insts, block...)
	}
	insts = append(insts,
		mov32(R0, noMatch).WithLabel(label(len(rs.Exceptions))),
		exit())
	return insts, nil
}
