package syncproto

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Bootstrap records for `hull exec` finished by the C constructor (see
// internal/nsenter/exec_fast.h, which reads them).
const (
	recExec         = 5
	recExecGroups   = 6
	recExecRlimit   = 7
	recExecSeccomp  = 8
	recExecCwd      = 9
	recExecArg      = 10
	recExecEnv      = 11
	recExecTTY      = 12
	recExecAppArmor = 13
	recInitPivot    = 14
	recInitFifo     = 15
)

// ExecRlimit is one process.rlimits entry, resolved to its RLIMIT_* number.
type ExecRlimit struct {
	Resource  uint32
	Soft, Max uint64
}

// ExecData is a process the C constructor starts itself once it has joined
// the container's namespaces: everything the Go init would otherwise do for
// `hull exec`, computed by the parent.
type ExecData struct {
	UID, GID     uint32
	Groups       []uint32
	NoNewPrivs   bool
	OOMScoreAdj  *int
	Umask        *uint32
	PreserveFds  uint32
	SeccompFlags uint32
	Seccomp      []unix.SockFilter
	// Capability masks: effective, permitted, inheritable, ambient, bounding.
	Eff, Prm, Inh, Amb, Bnd uint64
	Rlimits                 []ExecRlimit
	Cwd                     string
	Args, Env               []string
	// Terminal: a pty from the container's devpts as stdio, its master
	// sent back as a Console message; ConsoleSize (rows, cols) when set.
	Terminal    bool
	ConsoleSize *[2]uint32
	// AppArmor is process.apparmorProfile, for a host that runs AppArmor.
	AppArmor string

	// A created container's init whose rootfs hull's set-up thread
	// prepared (internal/process/thread.go): PivotRoot is the rootfs to
	// pivot_root into first, with PivotProp (linux.rootfsPropagation as
	// MS_* flags, 0 for none) applied to the new "/"; FifoFd > 0 is the
	// init's O_PATH fd of exec.fifo: send Ready, then wait for `hull
	// start` before execve.
	PivotRoot string
	PivotProp uint32
	FifoFd    int
}

func (e *ExecData) encode(b []byte) []byte {
	fixed := make([]byte, 0, 72)
	ne := binary.NativeEndian
	fixed = ne.AppendUint32(fixed, e.UID)
	fixed = ne.AppendUint32(fixed, e.GID)
	fixed = ne.AppendUint32(fixed, boolU32(e.NoNewPrivs))
	oom := int32(0)
	if e.OOMScoreAdj != nil {
		oom = int32(*e.OOMScoreAdj)
	}
	fixed = ne.AppendUint32(fixed, boolU32(e.OOMScoreAdj != nil))
	fixed = ne.AppendUint32(fixed, uint32(oom))
	umask := uint32(0xffffffff)
	if e.Umask != nil {
		umask = *e.Umask
	}
	fixed = ne.AppendUint32(fixed, umask)
	fixed = ne.AppendUint32(fixed, e.PreserveFds)
	fixed = ne.AppendUint32(fixed, e.SeccompFlags)
	for _, m := range []uint64{e.Eff, e.Prm, e.Inh, e.Amb, e.Bnd} {
		fixed = ne.AppendUint64(fixed, m)
	}
	b = record(b, recExec, fixed)
	if len(e.Groups) > 0 {
		g := make([]byte, 0, 4*len(e.Groups))
		for _, id := range e.Groups {
			g = ne.AppendUint32(g, id)
		}
		b = record(b, recExecGroups, g)
	}
	for _, rl := range e.Rlimits {
		r := make([]byte, 0, 24)
		r = ne.AppendUint32(r, rl.Resource)
		r = ne.AppendUint32(r, 0)
		r = ne.AppendUint64(r, rl.Soft)
		r = ne.AppendUint64(r, rl.Max)
		b = record(b, recExecRlimit, r)
	}
	if len(e.Seccomp) > 0 {
		n := len(e.Seccomp) * int(unsafe.Sizeof(e.Seccomp[0]))
		b = record(b, recExecSeccomp, unsafe.Slice((*byte)(unsafe.Pointer(&e.Seccomp[0])), n))
	}
	if e.Cwd != "" {
		b = record(b, recExecCwd, cstr(e.Cwd))
	}
	for _, a := range e.Args {
		b = record(b, recExecArg, cstr(a))
	}
	for _, v := range e.Env {
		b = record(b, recExecEnv, cstr(v))
	}
	if e.AppArmor != "" {
		b = record(b, recExecAppArmor, cstr(e.AppArmor))
	}
	if e.PivotRoot != "" {
		b = record(b, recInitPivot, append(ne.AppendUint32(nil, e.PivotProp), cstr(e.PivotRoot)...))
	}
	if e.FifoFd > 0 {
		b = record(b, recInitFifo, ne.AppendUint32(nil, uint32(e.FifoFd)))
	}
	if e.Terminal {
		t := make([]byte, 0, 12)
		if e.ConsoleSize != nil {
			t = ne.AppendUint32(t, 1)
			t = ne.AppendUint32(t, e.ConsoleSize[0])
			t = ne.AppendUint32(t, e.ConsoleSize[1])
		} else {
			t = append(t, make([]byte, 12)...)
		}
		b = record(b, recExecTTY, t)
	}
	return b
}

func boolU32(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

func cstr(s string) []byte { return append([]byte(s), 0) }
