package syncproto

import (
	"encoding/binary"
)

// Bootstrap record kinds, shared with nsenter.c.
const (
	recCloneFlags = 1
	recJoin       = 2
	recFork       = 3
	recTimens     = 4
)

// Join is a namespace to setns into: its CLONE_NEW* type and path.
type Join struct {
	Type uint32
	Path string
}

// BootstrapData is what the C constructor needs before the Go runtime starts.
type BootstrapData struct {
	CloneFlags  uint32 // namespaces to unshare (CLONE_NEWUSER first, by the C side)
	Joins       []Join
	Fork        bool   // the init must be a child (new or joined pid/time namespace)
	TimeOffsets string // /proc/self/timens_offsets text
	// Exec, when set, is a process the C constructor starts itself
	// (`hull exec` without a Go runtime in the joining process).
	Exec *ExecData
}

func record(b []byte, kind uint32, data []byte) []byte {
	var h [8]byte
	binary.NativeEndian.PutUint32(h[0:], kind)
	binary.NativeEndian.PutUint32(h[4:], uint32(len(data)))
	b = append(b, h[:]...)
	return append(b, data...)
}

func u32(v uint32) []byte {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	return b[:]
}

// Encode serialises the bootstrap records.
func (d *BootstrapData) Encode() []byte {
	var b []byte
	b = record(b, recCloneFlags, u32(d.CloneFlags))
	for _, j := range d.Joins {
		data := append(u32(j.Type), j.Path...)
		data = append(data, 0)
		b = record(b, recJoin, data)
	}
	if d.Fork {
		b = record(b, recFork, u32(1))
	}
	if d.TimeOffsets != "" {
		b = record(b, recTimens, append([]byte(d.TimeOffsets), 0))
	}
	if d.Exec != nil {
		b = d.Exec.encode(b)
	}
	return b
}
