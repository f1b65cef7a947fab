package ebpf

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// run interprets the ENCODED program (the bytes BPF_PROG_LOAD gets) for one
// device access, so the program's decisions and the encoder's jump offsets
// are tested together without a cgroup v2 host. It knows exactly the
// instructions Instructions emits and fails on anything else.
func run(t *testing.T, code []byte, typ, major, minor, access uint32) bool {
	t.Helper()
	ctx := [3]uint32{access<<16 | typ, major, minor}
	var reg [11]uint64
	n := len(code) / insnSize
	for pc, steps := 0, 0; ; steps++ {
		if pc < 0 || pc >= n || steps > 10000 {
			t.Fatalf("program ran off at pc %d", pc)
		}
		b := code[pc*insnSize : (pc+1)*insnSize]
		op, dst, src := b[0], b[1]&0x0f, b[1]>>4
		off := int16(binary.LittleEndian.Uint16(b[2:]))
		imm := int32(binary.LittleEndian.Uint32(b[4:]))
		jump := func(cond bool) {
			pc++
			if cond {
				pc += int(off)
			}
		}
		switch op {
		case 0x61: // ldxw dst, [src+off]
			if src != uint8(R1) || off%4 != 0 || off < 0 || off > 8 {
				t.Fatalf("pc %d: load outside the context: r%d%+d", pc, src, off)
			}
			reg[dst] = uint64(ctx[off/4])
			pc++
		case 0x54: // and32 dst, imm
			reg[dst] = uint64(uint32(reg[dst]) & uint32(imm))
			pc++
		case 0x74: // rsh32 dst, imm
			reg[dst] = uint64(uint32(reg[dst]) >> uint(imm))
			pc++
		case 0xb4: // mov32 dst, imm
			reg[dst] = uint64(uint32(imm))
			pc++
		case 0xbc: // mov32 dst, src
			reg[dst] = uint64(uint32(reg[src]))
			pc++
		case 0x55: // jne dst, imm, +off (64-bit compare, imm sign-extended)
			jump(reg[dst] != uint64(int64(imm)))
		case 0x15: // jeq dst, imm, +off
			jump(reg[dst] == uint64(int64(imm)))
		case 0x95: // exit
			return reg[R0] == 1
		default:
			t.Fatalf("pc %d: unexpected opcode %#x", pc, op)
		}
	}
}

func compile(t *testing.T, rules ...specs.LinuxDeviceCgroup) []byte {
	t.Helper()
	rs, err := Emulate(rules)
	if err != nil {
		t.Fatal(err)
	}
	insts, err := Instructions(rs)
	if err != nil {
		t.Fatal(err)
	}
	code, err := Encode(insts)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type access struct {
	typ, major, minor, acc uint32
	want                   bool
}

func check(t *testing.T, name string, code []byte, cases []access) {
	t.Helper()
	for _, c := range cases {
		if got := run(t, code, c.typ, c.major, c.minor, c.acc); got != c.want {
			t.Errorf("%s: type %d %d:%d access %#x: allowed=%v, want %v", name, c.typ, c.major, c.minor, c.acc, got, c.want)
		}
	}
}

func TestProgramDenyAllByDefault(t *testing.T) {
	code := compile(t)
	check(t, "no rules", code, []access{
		{devChar, 1, 3, accRead, false},
		{devBlock, 8, 0, accMknod, false},
	})
}

func TestProgramRuncDefaults(t *testing.T) {
	// What hull's create passes: the config's rules (deny all, as `spec`
	// writes) followed by runc's default allow list.
	code := compile(t,
		deny("", nil, nil, "rwm"),
		allow("c", nil, nil, "m"),
		allow("b", nil, nil, "m"),
		allow("c", i64(1), i64(3), "rwm"),
		allow("c", i64(136), nil, "rwm"),
		allow("c", i64(5), i64(2), "rwm"),
	)
	check(t, "defaults", code, []access{
		{devChar, 1, 3, accRead | accWrite, true}, // /dev/null
		{devChar, 1, 3, accMknod, true},
		{devChar, 136, 7, accRead | accWrite, true}, // /dev/pts/7
		{devChar, 5, 2, accRead, true},
		{devChar, 10, 200, accMknod, true},        // any char mknod
		{devBlock, 8, 0, accMknod, true},          // any block mknod
		{devBlock, 8, 0, accRead, false},          // /dev/sda
		{devChar, 1, 1, accRead, false},           // /dev/mem
		{devChar, 10, 200, accRead, false},        // tun not in this list
		{devChar, 1, 3, accRead | accMknod, true}, // covered by one rule
	})
}

func TestProgramRequestNeedsOneCoveringRule(t *testing.T) {
	// v1 semantics: r from one rule and w from another do not add up.
	code := compile(t, allow("c", i64(1), nil, "r"), allow("c", i64(1), i64(3), "w"))
	check(t, "split", code, []access{
		{devChar, 1, 3, accRead, true},
		{devChar, 1, 3, accWrite, true},
		{devChar, 1, 3, accRead | accWrite, false},
		{devChar, 1, 5, accWrite, false},
		{devBlock, 1, 3, accRead, false},
	})
}

func TestProgramLastRuleWins(t *testing.T) {
	code := compile(t, allow("c", i64(1), i64(3), "rwm"), deny("c", i64(1), i64(3), "rwm"))
	check(t, "allow then deny", code, []access{{devChar, 1, 3, accRead, false}})
	code = compile(t, deny("c", i64(1), i64(3), "rwm"), allow("c", i64(1), i64(3), "rw"))
	check(t, "deny then allow", code, []access{{devChar, 1, 3, accRead, true}, {devChar, 1, 3, accMknod, false}})
}

func TestProgramDefaultAllow(t *testing.T) {
	code := compile(t, allow("a", nil, nil, "rwm"), deny("c", i64(1), i64(3), "w"), deny("b", nil, nil, "m"))
	check(t, "allow all but", code, []access{
		{devChar, 1, 3, accRead, true},
		{devChar, 1, 3, accWrite, false},
		{devChar, 1, 3, accRead | accWrite, false}, // any shared bit denies
		{devChar, 1, 5, accWrite, true},
		{devBlock, 8, 0, accMknod, false},
		{devBlock, 8, 0, accRead, true},
	})
}

func TestProgramLabelsResolve(t *testing.T) {
	var rules []specs.LinuxDeviceCgroup
	for i := 0; i < 50; i++ {
		rules = append(rules, allow("c", i64(int64(i)), i64(int64(i)), "rw"))
	}
	code := compile(t, rules...)
	check(t, "many", code, []access{
		{devChar, 0, 0, accRead, true},
		{devChar, 25, 25, accWrite, true},
		{devChar, 49, 49, accRead, true},
		{devChar, 50, 50, accRead, false},
		{devChar, 49, 48, accRead, false},
	})
}

// TestProgramRejectsBadRules: Instructions refuses exceptions Emulate
// would never produce instead of emitting a wrong program.
func TestProgramRejectsBadRules(t *testing.T) {
	for _, rs := range []Ruleset{
		{Exceptions: []Rule{{Type: 'a', Major: 1, Minor: 3, Access: accRead}}},
		{Exceptions: []Rule{{Type: 'c', Major: 1, Minor: 3, Access: 0}}},
		{Exceptions: []Rule{{Type: 'c', Major: 1, Minor: 3, Access: 8}}},
	} {
		if _, err := Instructions(rs); err == nil {
			t.Errorf("Instructions(%+v) succeeded", rs)
		}
	}
}
