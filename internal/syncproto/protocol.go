// Package syncproto is the typed protocol between hull (the parent) and the
// container's init (the child), over one AF_UNIX stream socketpair. Every
// message is a 4-byte type, a 4-byte payload length (native byte order; both
// ends are the same binary on the same machine) and the payload; file
// descriptors ride on a message with SCM_RIGHTS.
//
// The first messages are read and written by the C constructor in
// internal/nsenter, before the child's Go runtime exists; the rest carry JSON.
//
//	parent (hull create/run)                      child (nsenter.c, then initproc)
//	  socketpair, exec.fifo, start /proc/self/exe init
//	  place the child in its cgroups
//	  ---- Bootstrap (namespaces: join, unshare) --->
//	                                                   C: setns each path (user first)
//	                                                   C: unshare(CLONE_NEWUSER) when asked
//	  <--- NeedIDMap ---------------------------------
//	  write /proc/<child>/{uid,gid}_map
//	  ---- IDMapDone -------------------------------->
//	                                                   C: unshare the rest, time offsets,
//	                                                      fork when a pid/time ns needs it
//	  <--- InitPid (forked init's pid) --------------  C: stage 0 exits
//	                                                   Go runtime starts in the init
//	  ---- InitConfig (JSON) ------------------------>
//	                                                   rootfs.Setup (mounts, devices)
//	  <--- RunHooks ----------------------------------
//	  prestart + createRuntime hooks
//	  ---- HooksDone -------------------------------->
//	                                                   createContainer hooks, pivot_root,
//	                                                   hostname, sysctl, masked/ro paths,
//	                                                   terminal (pty)
//	  <--- Console (fd: pty master) -----------------  only with process.terminal
//	                                                   process attributes, no_new_privs,
//	                                                   seccomp filter loaded
//	  <--- SeccompFd (fd: notify listener) ----------  only with SCMP_ACT_NOTIFY
//	  send it to linux.seccomp.listenerPath
//	  ---- SeccompFdDone ---------------------------->
//	                                                   rlimits; when the C stub can wait
//	                                                   (initproc/stub.go): user, caps, cwd,
//	                                                   then execveat of the sealed binary,
//	                                                   whose constructor sends Ready:
//	  <--- Ready ------------------------------------
//	  state.json (created), --pid-file, exit           open exec.fifo for writing: blocks
//	                                                   until `hull start` reads it, then
//	                                                   (Go init only: startContainer hooks,
//	                                                   user, caps), execve
//
//	`hull exec` of a process that needs nothing only the Go init does (no
//	AppArmor/SELinux label, personality, scheduler, I/O priority, memory
//	policy or seccomp notify) stops after the joins: Bootstrap also carries
//	the exec records (ExecData: ids, capability masks, rlimits, the compiled
//	seccomp program, cwd, argv, env, terminal) and the C constructor sets
//	them and execs; the parent reads Console (with a terminal), then Error or
//	the socket closing at execve.
//
//	A container whose init needs no Go runtime (process/thread.go has the
//	conditions and its own diagram) gets its rootfs from hull's set-up
//	thread, in the namespaces the init is forked into; its Bootstrap
//	carries the exec records plus the rootfs to pivot into and the
//	exec.fifo fd, and the C constructor sends Ready itself.
//
//	Any child step may instead send Error{message} and exit; the parent then
//	rolls back everything it made (cgroups, state dir) and reports the message.
package syncproto

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Type is a message type. Values 1-5, Ready, CgroupNS and CgroupNSDone are
// shared with nsenter.c.
type Type uint32

const (
	Error      Type = 1
	Bootstrap  Type = 2
	NeedIDMap  Type = 3
	IDMapDone  Type = 4
	InitPid    Type = 5
	InitConfig Type = 6
	RunHooks   Type = 7
	HooksDone  Type = 8
	Console    Type = 9
	Ready      Type = 10
	// SeccompFd carries the seccomp notify fd for linux.seccomp.listenerPath;
	// the parent answers SeccompFdDone once it has passed it on.
	SeccompFd     Type = 11
	SeccompFdDone Type = 12
	// CgroupNS asks an init that the set-up thread builds (before its
	// Bootstrap) to unshare its cgroup namespace, now that it is in its
	// cgroups; it answers CgroupNSDone (or Error).
	CgroupNS     Type = 13
	CgroupNSDone Type = 14
)

func (t Type) String() string {
	switch t {
	case Error:
		return "Error"
	case Bootstrap:
		return "Bootstrap"
	case NeedIDMap:
		return "NeedIDMap"
	case IDMapDone:
		return "IDMapDone"
	case InitPid:
		return "InitPid"
	case InitConfig:
		return "InitConfig"
	case RunHooks:
		return "RunHooks"
	case HooksDone:
		return "HooksDone"
	case Console:
		return "Console"
	case Ready:
		return "Ready"
	case SeccompFd:
		return "SeccompFd"
	case SeccompFdDone:
		return "SeccompFdDone"
	case CgroupNS:
		return "CgroupNS"
	case CgroupNSDone:
		return "CgroupNSDone"
	}
	return fmt.Sprintf("Type(%d)", uint32(t))
}

// maxPayload bounds what a peer may make us allocate.
const maxPayload = 64 << 20

// Message is one framed message.
type Message struct {
	Type    Type
	Payload []byte
	File    *os.File // received with SCM_RIGHTS, if any
}

// ChildError is the error a child reported with an Error message.
type ChildError struct{ Msg string }

func (e *ChildError) Error() string { return e.Msg }

// Conn is one end of the socketpair.
type Conn struct{ f *os.File }

// NewConn wraps an end of the socketpair.
func NewConn(f *os.File) *Conn { return &Conn{f: f} }

// File returns the underlying socket.
func (c *Conn) File() *os.File { return c.f }

// Close closes the socket.
func (c *Conn) Close() error { return c.f.Close() }

// Pair makes a connected socketpair: the parent's and the child's ends.
func Pair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child"), nil
}

func header(t Type, n int) []byte {
	h := make([]byte, 8)
	binary.NativeEndian.PutUint32(h[0:], uint32(t))
	binary.NativeEndian.PutUint32(h[4:], uint32(n))
	return h
}

// Send writes a message with a raw payload.
func (c *Conn) Send(t Type, payload []byte) error {
	return c.send(t, payload, nil)
}

// SendJSON writes a message whose payload is v as JSON.
//
// A v that encodes itself (json.Marshaler) is asked directly: both ends are
// hull, and json.Marshal would only re-scan the bytes to compact them (the
// init config, with the whole spec, is the largest message).
func (c *Conn) SendJSON(t Type, v any) error {
	var b []byte
	var err error
	if m, ok := v.(json.Marshaler); ok {
		b, err = m.MarshalJSON()
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", t, err)
	}
	return c.send(t, b, nil)
}

// SendFile writes a message carrying f with SCM_RIGHTS.
func (c *Conn) SendFile(t Type, f *os.File) error {
	return c.send(t, []byte(f.Name()), f)
}

// SendError reports a failure to the parent.
func (c *Conn) SendError(err error) error {
	return c.send(Error, []byte(err.Error()), nil)
}

func (c *Conn) send(t Type, payload []byte, f *os.File) error {
	buf := append(header(t, len(payload)), payload...)
	var oob []byte
	if f != nil {
		oob = unix.UnixRights(int(f.Fd()))
	}
	fd := int(c.f.Fd())
	for len(buf) > 0 {
		n, err := unix.SendmsgN(fd, buf, oob, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("send %s: %w", t, err)
		}
		buf = buf[n:]
		oob = nil
	}
	return nil
}

// Recv reads one message. A file passed with it is returned in Message.File.
func (c *Conn) Recv() (*Message, error) {
	fd := int(c.f.Fd())
	h := make([]byte, 8)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var file *os.File
	got := 0
	for got < len(h) {
		n, oobn, _, _, err := unix.Recvmsg(fd, h[got:], oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("receive: %w", err)
		}
		if oobn > 0 {
			f, err := parseRights(oob[:oobn])
			if err != nil {
				return nil, err
			}
			file = f
		}
		if n == 0 {
			return nil, io.ErrUnexpectedEOF
		}
		got += n
	}
	t := Type(binary.NativeEndian.Uint32(h[0:]))
	size := binary.NativeEndian.Uint32(h[4:])
	if size > maxPayload {
		return nil, fmt.Errorf("receive %s: payload of %d bytes is too large", t, size)
	}
	payload := make([]byte, size)
	if _, err := io.ReadFull(c.f, payload); err != nil {
		return nil, fmt.Errorf("receive %s payload: %w", t, err)
	}
	m := &Message{Type: t, Payload: payload, File: file}
	if t == Error {
		return m, &ChildError{Msg: string(payload)}
	}
	return m, nil
}

func parseRights(oob []byte) (*os.File, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	var file *os.File
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if file == nil {
				file = os.NewFile(uintptr(fd), "received")
			} else {
				unix.Close(fd)
			}
		}
	}
	return file, nil
}

// Expect reads one message and checks its type; an Error message becomes a
// *ChildError.
func (c *Conn) Expect(t Type) (*Message, error) {
	m, err := c.Recv()
	if err != nil {
		return nil, err
	}
	if m.Type != t {
		return nil, fmt.Errorf("protocol: got %s, want %s", m.Type, t)
	}
	return m, nil
}

// ExpectJSON reads one message of type t and decodes its JSON payload into v.
func (c *Conn) ExpectJSON(t Type, v any) error {
	m, err := c.Expect(t)
	if err != nil {
		return err
	}
	if u, ok := v.(json.Unmarshaler); ok {
		// It validates as it reads; json.Unmarshal would scan it first.
		err = u.UnmarshalJSON(m.Payload)
	} else {
		err = json.Unmarshal(m.Payload, v)
	}
	if err != nil {
		return fmt.Errorf("decode %s: %w", t, err)
	}
	return nil
}

// IsChildError reports whether err came from the child.
func IsChildError(err error) bool {
	var ce *ChildError
	return errors.As(err, &ce)
}
