// Package ebpf is the cgroup v2 device controller: v2 has no devices.allow
// or devices.deny files, access to device nodes is decided by eBPF programs
// of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This package
// turns OCI device rules into such a program (with the exact semantics the
// v1 devices controller gives the same rules) and attaches it.
package ebpf

import (
	"fmt"
	"math"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Access bits and device types as the kernel passes them to the program in
// struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h): access_type is
// (access << 16) | type.
const (
	accMknod uint32 = 1 // BPF_DEVCG_ACC_MKNOD
	accRead  uint32 = 2 // BPF_DEVCG_ACC_READ
	accWrite uint32 = 4 // BPF_DEVCG_ACC_WRITE
	accAll          = accMknod | accRead | accWrite

	devBlock uint32 = 1 // BPF_DEVCG_DEV_BLOCK
	devChar  uint32 = 2 // BPF_DEVCG_DEV_CHAR
)

// Wildcard is a major or minor number matching every device.
const Wildcard int64 = -1

// Rule is one exception of a Ruleset: a device class ('b' or 'c'), numbers
// (Wildcard for "*") and access bits.
type Rule struct {
	Type   byte
	Major  int64
	Minor  int64
	Access uint32
}

func (r Rule) sameKey(o Rule) bool {
	return r.Type == o.Type && r.Major == o.Major && r.Minor == o.Minor
}

// Ruleset is the state of a v1 devices cgroup after a sequence of writes: a
// default behaviour and the exceptions to it. Every exception has the
// opposite meaning of the default (allow exceptions to a default deny, deny
// exceptions to a default allow).
type Ruleset struct {
	DefaultAllow bool
	Exceptions   []Rule
}

// Emulate replays rules the way the v1 kernel applies writes to
// devices.allow / devices.deny after hull's initial "deny all", so that a
// config gives the same access on v2 as on v1 (runc does the same):
//   - a rule of type "a" (or no type) is a whole-behaviour write: it resets
//     the default to allow or deny and drops every exception; its numbers
//     and access are ignored, as by the kernel.
//   - a rule agreeing with the default removes its access bits from an
//     exception with the same type and numbers (it does not punch holes in
//     wildcard exceptions).
//   - a rule against the default adds an exception, merging access bits
//     into an existing one with the same type and numbers.
//
// Later rules therefore override earlier ones, and order matters.
func Emulate(rules []specs.LinuxDeviceCgroup) (Ruleset, error) {
	var rs Ruleset // starts as deny-all, like fs1.SetDevices
	for i, r := range rules {
		rule, all, err := parseRule(r)
		if err != nil {
			return Ruleset{}, fmt.Errorf("device rule %d: %w", i, err)
		}
		if all {
			rs = Ruleset{DefaultAllow: r.Allow}
			continue
		}
		if r.Allow == rs.DefaultAllow {
			out := rs.Exceptions[:0]
			for _, e := range rs.Exceptions {
				if e.sameKey(rule) {
					e.Access &^= rule.Access
					if e.Access == 0 {
						continue
					}
				}
				out = append(out, e)
			}
			rs.Exceptions = out
			continue
		}
		merged := false
		for j := range rs.Exceptions {
			if rs.Exceptions[j].sameKey(rule) {
				rs.Exceptions[j].Access |= rule.Access
				merged = true
				break
			}
		}
		if !merged {
			rs.Exceptions = append(rs.Exceptions, rule)
		}
	}
	return rs, nil
}

// parseRule validates one OCI rule; all is true for a whole-behaviour rule.
func parseRule(r specs.LinuxDeviceCgroup) (rule Rule, all bool, err error) {
	switch r.Type {
	case "", "a":
		all = true
	case "b", "c":
		rule.Type = r.Type[0]
	default:
		return Rule{}, false, fmt.Errorf("invalid type %q (want a, b or c)", r.Type)
	}
	num := func(p *int64, what string) (int64, error) {
		if p == nil || *p == Wildcard {
			return Wildcard, nil
		}
		// Kernel device numbers are 12-bit majors and 20-bit minors;
		// anything that does not fit the program's 32-bit signed
		// immediates cannot name a device.
		if *p < 0 || *p > math.MaxInt32 {
			return 0, fmt.Errorf("invalid %s number %d", what, *p)
		}
		return *p, nil
	}
	if rule.Major, err = num(r.Major, "major"); err != nil {
		return Rule{}, false, err
	}
	if rule.Minor, err = num(r.Minor, "minor"); err != nil {
		return Rule{}, false, err
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	for _, c := range access {
		var bit uint32
		switch c {
		case 'r':
			bit = accRead
		case 'w':
			bit = accWrite
		case 'm':
			bit = accMknod
		default:
			return Rule{}, false, fmt.Errorf("invalid access %q (want letters of rwm)", r.Access)
		}
		if rule.Access&bit != 0 {
			return Rule{}, false, fmt.Errorf("invalid access %q (repeated %q)", r.Access, c)
		}
		rule.Access |= bit
	}
	return rule, all, nil
}

// String renders a rule in the v1 devices.list syntax, for messages.
func (r Rule) String() string {
	n := func(v int64) string {
		if v == Wildcard {
			return "*"
		}
		return fmt.Sprint(v)
	}
	var acc strings.Builder
	for _, b := range []struct {
		bit uint32
		c   byte
	}{{accRead, 'r'}, {accWrite, 'w'}, {accMknod, 'm'}} {
		if r.Access&b.bit != 0 {
			acc.WriteByte(b.c)
		}
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, n(r.Major), n(r.Minor), acc.String())
}
