package ebpf

import (
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/cilium/ebpf/asm"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// run interprets the generated program for one device access, so the
// program's decisions are tested without a cgroup v2 host. It knows exactly
// the instructions Instructions emits and fails on anything else.
func run(t *testing.T, insts asm.Instructions, typ, major, minor, access uint32) bool {
	t.Helper()
	ctx := [3]uint32{access<<16 | typ, major, minor}
	var reg [11]uint64
	syms := map[string]int{}
	for i, in := range insts {
		if s := in.Symbol(); s != "" {
			syms[s] = i
		}
	}
	for pc, steps := 0, 0; ; steps++ {
		if pc >= len(insts) || steps > 10000 {
			t.Fatalf("program ran off at pc %d", pc)
		}
		in := insts[pc]
		op := in.OpCode
		jump := func(cond bool) {
			if !cond {
				pc++
				return
			}
			target, ok := syms[in.Reference()]
			if !ok {
				t.Fatalf("pc %d: unknown label %q", pc, in.Reference())
			}
			pc = target
		}
		switch {
		case op.Class() == asm.LdXClass && op.Size() == asm.Word && op.Mode() == asm.MemMode:
			reg[in.Dst] = uint64(ctx[in.Offset/4])
			pc++
		case op.Class() == asm.ALUClass && op.ALUOp() == asm.And && op.Source() == asm.ImmSource:
			reg[in.Dst] = uint64(uint32(reg[in.Dst]) & uint32(in.Constant))
			pc++
		case op.Class() == asm.ALUClass && op.ALUOp() == asm.RSh && op.Source() == asm.ImmSource:
			reg[in.Dst] = uint64(uint32(reg[in.Dst]) >> uint(in.Constant))
			pc++
		case op.Class() == asm.ALUClass && op.ALUOp() == asm.Mov && op.Source() == asm.ImmSource:
			reg[in.Dst] = uint64(uint32(in.Constant))
			pc++
		case op.Class() == asm.ALUClass && op.ALUOp() == asm.Mov && op.Source() == asm.RegSource:
			reg[in.Dst] = uint64(uint32(reg[in.Src]))
			pc++
		case op.Class() == asm.JumpClass && op.JumpOp() == asm.JNE && op.Source() == asm.ImmSource:
			jump(reg[in.Dst] != uint64(in.Constant))
		case op.Class() == asm.JumpClass && op.JumpOp() == asm.JEq && op.Source() == asm.ImmSource:
			jump(reg[in.Dst] == uint64(in.Constant))
		case op.Class() == asm.JumpClass && op.JumpOp() == asm.Exit:
			return reg[asm.R0] == 1
		default:
			t.Fatalf("pc %d: unexpected instruction %v", pc, in)
		}
	}
}

func compile(t *testing.T, rules ...specs.LinuxDeviceCgroup) asm.Instructions {
	t.Helper()
	rs, err := Emulate(rules)
	if err != nil {
		t.Fatal(err)
	}
	insts, err := Instructions(rs)
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

type access struct {
	typ, major, minor, acc uint32
	want                   bool
}

func check(t *testing.T, name string, insts asm.Instructions, cases []access) {
	t.Helper()
	for _, c := range cases {
		if got := run(t, insts, c.typ, c.major, c.minor, c.acc); got != c.want {
			t.Errorf("%s: type %d %d:%d access %#x: allowed=%v, want %v", name, c.typ, c.major, c.minor, c.acc, got, c.want)
		}
	}
}

func TestProgramDenyAllByDefault(t *testing.T) {
	insts := compile(t)
	check(t, "no rules", insts, []access{
		{devChar, 1, 3, accRead, false},
		{devBlock, 8, 0, accMknod, false},
	})
}

func TestProgramRuncDefaults(t *testing.T) {
	// What hull's create passes: the config's rules (deny all, as `spec`
	// writes) followed by runc's default allow list.
	insts := compile(t,
		deny("", nil, nil, "rwm"),
		allow("c", nil, nil, "m"),
		allow("b", nil, nil, "m"),
		allow("c", i64(1), i64(3), "rwm"),
		allow("c", i64(136), nil, "rwm"),
		allow("c", i64(5), i64(2), "rwm"),
	)
	check(t, "defaults", insts, []access{
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
	insts := compile(t, allow("c", i64(1), nil, "r"), allow("c", i64(1), i64(3), "w"))
	check(t, "split", insts, []access{
		{devChar, 1, 3, accRead, true},
		{devChar, 1, 3, accWrite, true},
		{devChar, 1, 3, accRead | accWrite, false},
		{devChar, 1, 5, accWrite, false},
		{devBlock, 1, 3, accRead, false},
	})
}

func TestProgramLastRuleWins(t *testing.T) {
	insts := compile(t, allow("c", i64(1), i64(3), "rwm"), deny("c", i64(1), i64(3), "rwm"))
	check(t, "allow then deny", insts, []access{{devChar, 1, 3, accRead, false}})
	insts = compile(t, deny("c", i64(1), i64(3), "rwm"), allow("c", i64(1), i64(3), "rw"))
	check(t, "deny then allow", insts, []access{{devChar, 1, 3, accRead, true}, {devChar, 1, 3, accMknod, false}})
}

func TestProgramDefaultAllow(t *testing.T) {
	insts := compile(t, allow("a", nil, nil, "rwm"), deny("c", i64(1), i64(3), "w"), deny("b", nil, nil, "m"))
	check(t, "allow all but", insts, []access{
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
	insts := compile(t, rules...)
	// Encoding resolves every jump reference or fails.
	if err := insts.Marshal(io.Discard, binary.LittleEndian); err != nil { // byte order is irrelevant here
		t.Fatalf("marshal: %v", err)
	}
	check(t, "many", insts, []access{{devChar, 49, 49, accRead, true}, {devChar, 50, 50, accRead, false}})
	if got := fmt.Sprint(len(insts)); got == "0" {
		t.Fatal("empty program")
	}
}
