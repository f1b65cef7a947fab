package ebpf

import (
	"bytes"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func littleEndianOrSkip(t *testing.T) {
	t.Helper()
	if isBigEndian() {
		t.Skip("expected bytes are written for little-endian hosts")
	}
}

// TestEncodeKnownBytes checks every instruction kind against bytes worked
// out by hand from struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4;
// s16 off; s32 imm; } on little-endian: code = class|op|source, the
// register byte is src<<4|dst, off and imm little-endian.
func TestEncodeKnownBytes(t *testing.T) {
	littleEndianOrSkip(t)
	prog := []Insn{
		loadW(R4, R1, 4),        // 0x61 = BPF_LDX|BPF_W|BPF_MEM, regs 0x14
		and32(R2, 0xffff),       // 0x54 = BPF_ALU|BPF_AND|BPF_K
		rsh32(R3, 16),           // 0x74 = BPF_ALU|BPF_RSH|BPF_K
		mov32Reg(R1, R3),        // 0xbc = BPF_ALU|BPF_MOV|BPF_X, regs 0x31
		jne(R2, 2, "out"),       // 0x55 = BPF_JMP|BPF_JNE|BPF_K, off +2
		jeq(R5, -1, "out"),      // 0x15 = BPF_JMP|BPF_JEQ|BPF_K, off +1, imm 0xffffffff
		mov32(R0, 1),            // 0xb4 = BPF_ALU|BPF_MOV|BPF_K
		exit().WithLabel("out"), // 0x95 = BPF_JMP|BPF_EXIT
	}
	want := strings.Join([]string{
		"61 14 0400 00000000",
		"54 02 0000 ffff0000",
		"74 03 0000 10000000",
		"bc 31 0000 00000000",
		"55 02 0200 02000000",
		"15 05 0100 ffffffff",
		"b4 00 0000 01000000",
		"95 00 0000 00000000",
	}, "")
	got, err := Encode(prog)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.ReplaceAll(want, " ", ""); hex.EncodeToString(got) != w {
		t.Fatalf("Encode:\n got %x\nwant %s", got, w)
	}
}

// TestEncodeBackwardJump: offsets are relative to the next instruction and
// may be negative.
func TestEncodeBackwardJump(t *testing.T) {
	littleEndianOrSkip(t)
	got, err := Encode([]Insn{mov32(R0, 0).WithLabel("top"), jeq(R0, 1, "top"), exit()})
	if err != nil {
		t.Fatal(err)
	}
	if off := got[8+2 : 8+4]; !bytes.Equal(off, []byte{0xfe, 0xff}) { // -2
		t.Fatalf("backward offset bytes %x, want feff", off)
	}
}

// TestEncodeMatchesCilium: the device filter's bytes are identical to what
// github.com/cilium/ebpf/asm produced for the same rules before hull
// dropped it (captured from asm.Instructions.Marshal, little-endian), so
// the program the kernel runs did not change.
func TestEncodeMatchesCilium(t *testing.T) {
	littleEndianOrSkip(t)
	cases := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		want  string
	}{
		{"empty", nil, "611200000000000054020000ffff00006113000000000000740300001000000061140400000000006115080000000000b4000000000000009500000000000000"},
		{"defaults", []specs.LinuxDeviceCgroup{
			deny("", nil, nil, "rwm"), allow("c", nil, nil, "m"), allow("b", nil, nil, "m"),
			allow("c", i64(1), i64(3), "rwm"), allow("c", i64(136), nil, "rwm"), allow("c", i64(5), i64(2), "rwm"),
		}, "611200000000000054020000ffff000061130000000000007403000010000000611404000000000061150800000000005502050002000000bc3100000000000054010000060000005501020000000000b40000000100000095000000000000005502050001000000bc3100000000000054010000060000005501020000000000b40000000100000095000000000000005502070002000000bc310000000000005401000000000000550104000000000055040300010000005505020003000000b40000000100000095000000000000005502060002000000bc31000000000000540100000000000055010300000000005504020088000000b40000000100000095000000000000005502070002000000bc310000000000005401000000000000550104000000000055040300050000005505020002000000b4000000010000009500000000000000b4000000000000009500000000000000"},
		{"allowall", []specs.LinuxDeviceCgroup{
			allow("a", nil, nil, "rwm"), deny("c", i64(1), i64(3), "w"), deny("b", nil, nil, "m"),
		}, "611200000000000054020000ffff000061130000000000007403000010000000611404000000000061150800000000005502070002000000bc310000000000005401000004000000150104000000000055040300010000005505020003000000b40000000000000095000000000000005502050001000000bc3100000000000054010000010000001501020000000000b4000000000000009500000000000000b4000000010000009500000000000000"},
	}
	for _, c := range cases {
		if got := hex.EncodeToString(compile(t, c.rules...)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	far := []Insn{jne(R1, 0, "end")}
	for i := 0; i < 40000; i++ {
		far = append(far, mov32(R0, 0))
	}
	far = append(far, exit().WithLabel("end"))
	for name, prog := range map[string][]Insn{
		"undefined label":  {jne(R1, 0, "nowhere"), exit()},
		"duplicate label":  {mov32(R0, 0).WithLabel("x"), exit().WithLabel("x")},
		"jump too far":     far,
		"target on a mov":  {{Op: clsALU | aluMOV, Jump: "x"}, exit().WithLabel("x")},
		"invalid register": {mov32(Reg(11), 0), exit()},
	} {
		if _, err := Encode(prog); err == nil {
			t.Errorf("%s: Encode succeeded", name)
		}
	}
}

func TestRegsByteOrder(t *testing.T) {
	want := byte(0x31) // src r3, dst r1 on little-endian
	if isBigEndian() {
		want = 0x13
	}
	if got := regsByte(R1, R3); got != want {
		t.Fatalf("regsByte(r1, r3) on %s = %#x, want %#x", runtime.GOARCH, got, want)
	}
}
