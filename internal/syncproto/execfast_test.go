package syncproto

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// TestExecDataEncoding: the records exec_fast.h reads: a 72-byte fixed part
// (struct exec_fixed), then groups, rlimits, the filter, cwd, args and env,
// each NUL-terminated string in its own record.
func TestExecDataEncoding(t *testing.T) {
	oom, umask := -5, uint32(0o027)
	d := BootstrapData{Exec: &ExecData{
		UID: 1000, GID: 1001, Groups: []uint32{10, 20}, NoNewPrivs: true, OOMScoreAdj: &oom, Umask: &umask,
		PreserveFds: 2, SeccompFlags: 4, Seccomp: []unix.SockFilter{{Code: 6, K: 0x7fff0000}},
		Eff: 1, Prm: 2, Inh: 3, Amb: 4, Bnd: 5,
		Rlimits: []ExecRlimit{{Resource: 7, Soft: 512, Max: 1024}},
		Cwd:     "/tmp", Args: []string{"sh", "-c"}, Env: []string{"A=b"},
	}}
	b := d.Encode()
	type rec struct {
		kind uint32
		data []byte
	}
	var recs []rec
	for off := 0; off < len(b); {
		k, n := binary.NativeEndian.Uint32(b[off:]), binary.NativeEndian.Uint32(b[off+4:])
		recs = append(recs, rec{k, b[off+8 : off+8+int(n)]})
		off += 8 + int(n)
	}
	kinds := []uint32{}
	for _, r := range recs {
		kinds = append(kinds, r.kind)
	}
	want := []uint32{recCloneFlags, recExec, recExecGroups, recExecRlimit, recExecSeccomp, recExecCwd, recExecArg, recExecArg, recExecEnv}
	if len(kinds) != len(want) {
		t.Fatalf("record kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("record kinds %v, want %v", kinds, want)
		}
	}
	fixed := recs[1].data
	ne := binary.NativeEndian
	if len(fixed) != 72 || ne.Uint32(fixed[0:]) != 1000 || ne.Uint32(fixed[4:]) != 1001 || ne.Uint32(fixed[8:]) != 1 ||
		ne.Uint32(fixed[12:]) != 1 || int32(ne.Uint32(fixed[16:])) != -5 || ne.Uint32(fixed[20:]) != 0o027 ||
		ne.Uint32(fixed[24:]) != 2 || ne.Uint32(fixed[28:]) != 4 || ne.Uint64(fixed[32:]) != 1 || ne.Uint64(fixed[64:]) != 5 {
		t.Errorf("fixed part % x", fixed)
	}
	if len(recs[3].data) != 24 || len(recs[4].data) != 8 || string(recs[5].data) != "/tmp\x00" || string(recs[7].data) != "-c\x00" {
		t.Errorf("rlimit %d bytes, filter %d bytes, cwd %q, arg %q", len(recs[3].data), len(recs[4].data), recs[5].data, recs[7].data)
	}
	noUmask := BootstrapData{Exec: &ExecData{Args: []string{"x"}}}
	nb := noUmask.Encode()
	if got := binary.NativeEndian.Uint32(nb[12+8+20:]); got != 0xffffffff {
		t.Errorf("unset umask encodes as %#x, want 0xffffffff", got)
	}
}

// TestInitRecords: the pivot record is the propagation flags then the
// NUL-terminated rootfs; the fifo record is the fd, as exec_fast.h reads them.
func TestInitRecords(t *testing.T) {
	d := BootstrapData{Exec: &ExecData{Args: []string{"x"}, PivotRoot: "/r", PivotProp: 0x4000, FifoFd: 9}}
	b := d.Encode()
	ne := binary.NativeEndian
	found := map[uint32][]byte{}
	for off := 0; off < len(b); {
		k, n := ne.Uint32(b[off:]), ne.Uint32(b[off+4:])
		found[k] = b[off+8 : off+8+int(n)]
		off += 8 + int(n)
	}
	if p := found[recInitPivot]; len(p) != 7 || ne.Uint32(p) != 0x4000 || string(p[4:]) != "/r\x00" {
		t.Errorf("pivot record % x", p)
	}
	if f := found[recInitFifo]; len(f) != 4 || ne.Uint32(f) != 9 {
		t.Errorf("fifo record % x", f)
	}
	plain := BootstrapData{Exec: &ExecData{Args: []string{"x"}}}
	for off, b := 0, plain.Encode(); off < len(b); {
		k, n := ne.Uint32(b[off:]), ne.Uint32(b[off+4:])
		if k == recInitPivot || k == recInitFifo {
			t.Errorf("an exec carries init record %d", k)
		}
		off += 8 + int(n)
	}
}
