package ebpf

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestAttrLayout pins the attr structs to the union bpf_attr members of
// include/uapi/linux/bpf.h: a wrong offset makes the kernel read garbage
// (or EFAULT), not a compile error.
func TestAttrLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("offsets below are for 64-bit ABIs")
	}
	var l progLoadAttr
	var a progAttachAttr
	var q progQueryAttr
	var g getIDAttr
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(bpfPtr)", unsafe.Sizeof(bpfPtr{}), 8},
		{"load.insn_cnt", unsafe.Offsetof(l.insnCnt), 4},
		{"load.insns", unsafe.Offsetof(l.insns), 8},
		{"load.license", unsafe.Offsetof(l.license), 16},
		{"load.log_level", unsafe.Offsetof(l.logLevel), 24},
		{"load.log_size", unsafe.Offsetof(l.logSize), 28},
		{"load.log_buf", unsafe.Offsetof(l.logBuf), 32},
		{"load.kern_version", unsafe.Offsetof(l.kernVersion), 40},
		{"load.prog_flags", unsafe.Offsetof(l.progFlags), 44},
		{"load.prog_name", unsafe.Offsetof(l.progName), 48},
		{"load.prog_ifindex", unsafe.Offsetof(l.progIfindex), 64},
		{"load.expected_attach_type", unsafe.Offsetof(l.expectedAttachType), 68},
		{"sizeof(load)", unsafe.Sizeof(l), 72},
		{"attach.attach_bpf_fd", unsafe.Offsetof(a.attachBPFFD), 4},
		{"attach.attach_type", unsafe.Offsetof(a.attachType), 8},
		{"attach.attach_flags", unsafe.Offsetof(a.attachFlags), 12},
		{"sizeof(attach)", unsafe.Sizeof(a), 16},
		{"query.attach_type", unsafe.Offsetof(q.attachType), 4},
		{"query.query_flags", unsafe.Offsetof(q.queryFlags), 8},
		{"query.attach_flags", unsafe.Offsetof(q.attachFlags), 12},
		{"query.prog_ids", unsafe.Offsetof(q.progIDs), 16},
		{"query.prog_cnt", unsafe.Offsetof(q.progCnt), 24},
		{"sizeof(query)", unsafe.Sizeof(q), 32},
		{"get_id.open_flags", unsafe.Offsetof(g.openFlags), 8},
		{"sizeof(get_id)", unsafe.Sizeof(g), 12},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// TestLoadReportsVerifierLog: a program the verifier rejects (exit with R0
// never written) fails with the kernel's errno and the verifier's reason.
func TestLoadReportsVerifierLog(t *testing.T) {
	needRoot(t)
	loadOrSkip(t, nil)
	code, err := Encode([]Insn{exit()})
	if err != nil {
		t.Fatal(err)
	}
	fd, err := progLoad(code, "Apache", "hull_test")
	if err == nil {
		unix.Close(fd)
		t.Fatal("verifier accepted a program returning an unset R0")
	}
	if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EINVAL) {
		t.Errorf("error %v does not wrap EACCES/EINVAL", err)
	}
	if !strings.Contains(err.Error(), "verifier log") || !strings.Contains(err.Error(), "R0") {
		t.Errorf("error lacks the verifier's reason: %v", err)
	}
}

func TestProgLoadRejectsPartialInsn(t *testing.T) {
	if _, err := progLoad(make([]byte, 12), "Apache", "x"); err == nil {
		t.Fatal("12-byte program accepted")
	}
	if _, err := progLoad(nil, "Apache", "x"); err == nil {
		t.Fatal("empty program accepted")
	}
}

func TestProgramClose(t *testing.T) {
	needRoot(t)
	loadOrSkip(t, nil)
	p, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	fd := p.FD()
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("program fd flags %#x, %v: want FD_CLOEXEC (container init must not inherit it)", flags, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		t.Errorf("fd %d still open after Close: %v", fd, err)
	}
	if err := p.Close(); err != nil || p.FD() != -1 {
		t.Fatalf("second Close: %v, fd %d", err, p.FD())
	}
}

// TestApplyReplacesManyPrograms: with more programs attached than the
// first query buffer holds (8), Attached still lists them all and Apply
// detaches every one of them, leaving only its own.
func TestApplyReplacesManyPrograms(t *testing.T) {
	loadOrSkip(t, nil)
	dir := testCgroup(t)
	cg, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cg)
	const n = 10
	for i := 0; i < n; i++ {
		p, err := Load([]specs.LinuxDeviceCgroup{allow("a", nil, nil, "rwm")})
		if err != nil {
			t.Fatal(err)
		}
		err = progAttach(cg, p.FD(), unix.BPF_CGROUP_DEVICE, unix.BPF_F_ALLOW_MULTI)
		p.Close() // a plain attach keeps the program alive without our fd
		if err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
	}
	old, err := Attached(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != n {
		t.Fatalf("Attached lists %d programs, want %d", len(old), n)
	}
	if err := Apply(dir, nil); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	now, err := Attached(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != 1 || slices.Contains(old, now[0]) {
		t.Fatalf("after Apply: %v attached (old %v), want one new program", now, old)
	}
	// The new filter is the deny-all one from Apply(dir, nil).
	if got := openIn(t, dir, "/dev/null"); got["/dev/null"] {
		t.Fatalf("deny-all filter let /dev/null open: %v", got)
	}
}
