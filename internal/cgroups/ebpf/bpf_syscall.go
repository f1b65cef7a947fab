package ebpf

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw bpf(2) calls. Each attr struct below is the member of union bpf_attr
// (include/uapi/linux/bpf.h) that its command reads, cut after the last
// field hull sets. Passing a size smaller than the kernel's union is the
// documented way to stay compatible: the kernel zero-fills the rest
// (bpf_check_uarg_tail_zero only rejects non-zero bytes it does not know).

// progLoadAttr is the BPF_PROG_LOAD member, up to expected_attach_type.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              bpfPtr
	license            bpfPtr
	logLevel           uint32
	logSize            uint32
	logBuf             bpfPtr
	kernVersion        uint32
	progFlags          uint32
	progName           [unix.BPF_OBJ_NAME_LEN]byte
	progIfindex        uint32
	expectedAttachType uint32
}

// progAttachAttr is the BPF_PROG_ATTACH / BPF_PROG_DETACH member, up to
// attach_flags (replace_bpf_fd and later stay zero: hull does not use
// BPF_F_REPLACE).
type progAttachAttr struct {
	targetFD    uint32
	attachBPFFD uint32
	attachType  uint32
	attachFlags uint32
}

// progQueryAttr is the BPF_PROG_QUERY member, up to prog_cnt.
type progQueryAttr struct {
	targetFD    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     bpfPtr
	progCnt     uint32
	_           uint32
}

// getIDAttr is the BPF_*_GET_*_ID member, up to open_flags.
type getIDAttr struct {
	id        uint32
	nextID    uint32
	openFlags uint32
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// Verifier log sizes: the first retry fits any device filter hull
// generates; ENOSPC (log truncated) doubles it up to the cap.
const (
	logSizeStart = 64 << 10
	logSizeMax   = 16 << 20
)

// progLoad loads a BPF_PROG_TYPE_CGROUP_DEVICE program and returns its fd
// (the kernel always opens bpf fds O_CLOEXEC). The first try asks for no
// verifier log (it costs verifier time); when it fails, the load is
// repeated with a log so the verifier's reason reaches the error. The
// returned error wraps the first attempt's errno, so callers can still
// test for EPERM.
func progLoad(insns []byte, license, name string) (int, error) {
	if len(insns) == 0 || len(insns)%insnSize != 0 {
		return -1, fmt.Errorf("bpf program of %d bytes is not a whole number of instructions", len(insns))
	}
	lic, err := unix.ByteSliceFromString(license)
	if err != nil {
		return -1, fmt.Errorf("bpf license %q: %w", license, err)
	}
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns) / insnSize),
		insns:    bpfPtr{p: unsafe.Pointer(&insns[0])},
		license:  bpfPtr{p: unsafe.Pointer(&lic[0])},
	}
	// Names are limited to BPF_OBJ_NAME_LEN-1 characters of [A-Za-z0-9_.].
	copy(attr.progName[:len(attr.progName)-1], name)
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(insns)
	runtime.KeepAlive(lic)
	if err == nil {
		return fd, nil
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) {
		// No verifier run happened: a log would stay empty.
		return -1, err
	}
	for size := logSizeStart; size <= logSizeMax; size *= 2 {
		log := make([]byte, size)
		attr.logLevel = 1
		attr.logSize = uint32(size)
		attr.logBuf = bpfPtr{p: unsafe.Pointer(&log[0])}
		fd, lerr := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		runtime.KeepAlive(insns)
		runtime.KeepAlive(lic)
		runtime.KeepAlive(log)
		if lerr == nil {
			// Accepted on the retry (e.g. a transient ENOMEM).
			return fd, nil
		}
		if errors.Is(lerr, unix.ENOSPC) && size < logSizeMax {
			continue
		}
		if msg := logText(log); msg != "" {
			return -1, fmt.Errorf("%w: verifier log:\n%s", err, msg)
		}
		break
	}
	return -1, err
}

// logText is the NUL-terminated text the verifier wrote, limited to its
// last lines: the reason for a rejection is at the end.
func logText(log []byte) string {
	n := 0
	for n < len(log) && log[n] != 0 {
		n++
	}
	const keep = 4 << 10
	s := string(log[:n])
	if len(s) > keep {
		s = "..." + s[len(s)-keep:]
	}
	return s
}

func progAttach(target, prog int, attachType, flags uint32) error {
	attr := progAttachAttr{targetFD: uint32(target), attachBPFFD: uint32(prog), attachType: attachType, attachFlags: flags}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

func progDetach(target, prog int, attachType uint32) error {
	attr := progAttachAttr{targetFD: uint32(target), attachBPFFD: uint32(prog), attachType: attachType}
	_, err := bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// progQuery lists the ids of the programs of attachType attached directly
// to target (no BPF_F_QUERY_EFFECTIVE: inherited ones are not listed).
func progQuery(target int, attachType uint32) ([]ProgramID, error) {
	// A cgroup holds at most BPF_CGROUP_MAX_PROGS (64) per attach type;
	// start small and grow to the count the kernel reports on ENOSPC.
	ids := make([]ProgramID, 8)
	for {
		attr := progQueryAttr{
			targetFD:   uint32(target),
			attachType: attachType,
			progIDs:    bpfPtr{p: unsafe.Pointer(&ids[0])},
			progCnt:    uint32(len(ids)),
		}
		_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		runtime.KeepAlive(ids)
		if errors.Is(err, unix.ENOSPC) && int(attr.progCnt) > len(ids) {
			ids = make([]ProgramID, attr.progCnt)
			continue
		}
		if err != nil {
			return nil, err
		}
		if int(attr.progCnt) > len(ids) {
			return nil, fmt.Errorf("kernel reported %d programs for a buffer of %d", attr.progCnt, len(ids))
		}
		return ids[:attr.progCnt], nil
	}
}

// progFDByID opens the loaded program with the given id.
func progFDByID(id ProgramID) (int, error) {
	attr := getIDAttr{id: uint32(id)}
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
