package ebpf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// This file is a minimal eBPF assembler for exactly the instructions the
// device filter needs. It replaces github.com/cilium/ebpf/asm, whose
// imports (debug/elf, debug/dwarf, compress/*, crypto/*, ...) put package
// inits and binary size on every hull process and container init although
// the filter is only built on cgroup v2 hosts.

// Reg is an eBPF register. R1 holds the program's context pointer on
// entry; R0 is the return value.
type Reg uint8

// Registers used by the device filter.
const (
	R0 Reg = iota
	R1
	R2
	R3
	R4
	R5
)

// Opcode parts from include/uapi/linux/bpf_common.h and bpf.h: an opcode
// is class | operation | source (or class | size | mode for memory).
const (
	clsLDX   uint8 = 0x01 // BPF_LDX
	clsALU   uint8 = 0x04 // BPF_ALU: 32-bit, zero-extends into the 64-bit register
	clsJMP   uint8 = 0x05 // BPF_JMP: 64-bit compares (what cilium/ebpf emits too)
	sizeW    uint8 = 0x00 // BPF_W: 4 bytes
	modeMEM  uint8 = 0x60 // BPF_MEM
	srcK     uint8 = 0x00 // BPF_K: operand is imm
	srcX     uint8 = 0x08 // BPF_X: operand is src_reg
	aluAND   uint8 = 0x50 // BPF_AND
	aluRSH   uint8 = 0x70 // BPF_RSH
	aluMOV   uint8 = 0xb0 // BPF_MOV
	jmpJEQ   uint8 = 0x10 // BPF_JEQ
	jmpJNE   uint8 = 0x50 // BPF_JNE
	jmpEXIT  uint8 = 0x90 // BPF_EXIT
	insnSize       = 8    // sizeof(struct bpf_insn)
)

// Insn is one eBPF instruction before encoding. A jump names its target
// by label (Jump); Encode turns that into the instruction offset.
type Insn struct {
	Op    uint8
	Dst   Reg
	Src   Reg
	Off   int16
	Imm   int32
	Label string // names this instruction as a jump target
	Jump  string // for jumps: the label to go to when the condition holds
}

// WithLabel returns the instruction carrying label l.
func (i Insn) WithLabel(l string) Insn {
	i.Label = l
	return i
}

func (i Insn) isJump() bool {
	return i.Op&0x07 == clsJMP && i.Op&0xf0 != jmpEXIT
}

// loadW is dst = *(u32 *)(src + off).
func loadW(dst, src Reg, off int16) Insn {
	return Insn{Op: clsLDX | sizeW | modeMEM, Dst: dst, Src: src, Off: off}
}

// and32 is dst = (u32)dst & imm.
func and32(dst Reg, imm int32) Insn { return Insn{Op: clsALU | aluAND | srcK, Dst: dst, Imm: imm} }

// rsh32 is dst = (u32)dst >> imm.
func rsh32(dst Reg, imm int32) Insn { return Insn{Op: clsALU | aluRSH | srcK, Dst: dst, Imm: imm} }

// mov32 is dst = (u32)imm.
func mov32(dst Reg, imm int32) Insn { return Insn{Op: clsALU | aluMOV | srcK, Dst: dst, Imm: imm} }

// mov32Reg is dst = (u32)src.
func mov32Reg(dst, src Reg) Insn { return Insn{Op: clsALU | aluMOV | srcX, Dst: dst, Src: src} }

// jeq jumps to label when dst == (s64)imm.
func jeq(dst Reg, imm int32, label string) Insn {
	return Insn{Op: clsJMP | jmpJEQ | srcK, Dst: dst, Imm: imm, Jump: label}
}

// jne jumps to label when dst != (s64)imm.
func jne(dst Reg, imm int32, label string) Insn {
	return Insn{Op: clsJMP | jmpJNE | srcK, Dst: dst, Imm: imm, Jump: label}
}

// exit returns R0.
func exit() Insn { return Insn{Op: clsJMP | jmpEXIT} }

// Encode lays insns out as the kernel's struct bpf_insn array, in host
// byte order as BPF_PROG_LOAD wants it:
//
//	u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm;
//
// Jump offsets count instructions from the one after the jump. Every
// instruction here is 8 bytes (no 16-byte BPF_LD_IMM64), so an index
// difference is the offset.
func Encode(insns []Insn) ([]byte, error) {
	labels := make(map[string]int)
	for i, in := range insns {
		if in.Label == "" {
			continue
		}
		if _, dup := labels[in.Label]; dup {
			return nil, fmt.Errorf("encode bpf: label %q defined twice", in.Label)
		}
		labels[in.Label] = i
	}
	out := make([]byte, len(insns)*insnSize)
	for i, in := range insns {
		if in.Dst > 10 || in.Src > 10 {
			return nil, fmt.Errorf("encode bpf: insn %d: invalid register", i)
		}
		off := in.Off
		if in.isJump() {
			target, ok := labels[in.Jump]
			if !ok {
				return nil, fmt.Errorf("encode bpf: insn %d: jump to undefined label %q", i, in.Jump)
			}
			d := target - (i + 1)
			if d < math.MinInt16 || d > math.MaxInt16 {
				return nil, fmt.Errorf("encode bpf: insn %d: jump to %q out of range (%d)", i, in.Jump, d)
			}
			off = int16(d)
		} else if in.Jump != "" {
			return nil, fmt.Errorf("encode bpf: insn %d: label %q on a non-jump", i, in.Jump)
		}
		b := out[i*insnSize : (i+1)*insnSize]
		b[0] = in.Op
		b[1] = regsByte(in.Dst, in.Src)
		binary.NativeEndian.PutUint16(b[2:], uint16(off))
		binary.NativeEndian.PutUint32(b[4:], uint32(in.Imm))
	}
	return out, nil
}

// regsByte packs the dst_reg:4/src_reg:4 bitfields: C allocates the first
// bitfield in the low bits on little-endian ABIs and in the high bits on
// big-endian ones (the kernel's struct bpf_insn relies on exactly that).
func regsByte(dst, src Reg) byte {
	if isBigEndian() {
		return byte(dst)<<4 | byte(src)&0x0f
	}
	return byte(src)<<4 | byte(dst)&0x0f
}

func isBigEndian() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 0
}
