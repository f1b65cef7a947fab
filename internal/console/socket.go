package console

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// maxNameLen bounds the payload that names the fd, as runc's utils.MaxNameLen
// (4096) does; receivers allocate a buffer of this size.
const maxNameLen = 4096

// Connect dials the --console-socket (a unix stream socket) and returns the
// connection as a plain *os.File, which survives into the container's init.
func Connect(socketPath string) (*os.File, error) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socketPath, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("connect console socket %s: %w", socketPath, err)
	}
	defer conn.Close()
	// File returns a dup in blocking mode, independent of the net poller.
	f, err := conn.File()
	if err != nil {
		return nil, fmt.Errorf("console socket %s: %w", socketPath, err)
	}
	return f, nil
}

// SendMaster sends master over sock as one message whose payload is the
// master's name and whose SCM_RIGHTS control message carries its fd: the
// protocol of runc's utils.SendFile, which conmon, containerd's shim and
// recvtty expect.
func SendMaster(sock *os.File, master *os.File) error {
	name := master.Name()
	if len(name) >= maxNameLen {
		return fmt.Errorf("send console master: name too long: %q", name)
	}
	err := unix.Sendmsg(int(sock.Fd()), []byte(name), unix.UnixRights(int(master.Fd())), nil, 0)
	runtime.KeepAlive(master)
	if err != nil {
		return fmt.Errorf("send console master %s over %s: %w", name, sock.Name(), err)
	}
	return nil
}

// RecvMaster reads one SendMaster message from conn and returns the received
// fd as a file named by the payload. Extra fds (a confused or hostile sender)
// are closed and reported as an error rather than leaked.
func RecvMaster(conn *net.UnixConn) (*os.File, error) {
	buf := make([]byte, maxNameLen)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("receive console master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("receive console master: parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		fds = append(fds, got...)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("receive console master: got %d fds, want 1", len(fds))
	}
	// Go's ReadMsgUnix passes MSG_CMSG_CLOEXEC; set it anyway in case a
	// platform did not, so the master never leaks into children.
	unix.CloseOnExec(fds[0])
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}

// Receiver is a minimal recvtty: it listens on a unix socket path and takes
// the master from the first connection.
type Receiver struct {
	l *net.UnixListener
}

// Listen creates the console socket at path (which must not exist).
func Listen(path string) (*Receiver, error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on console socket %s: %w", path, err)
	}
	return &Receiver{l: l}, nil
}

// Path returns the socket path.
func (r *Receiver) Path() string { return r.l.Addr().String() }

// Accept waits up to timeout (0: forever) for one connection and returns the
// master it sends.
func (r *Receiver) Accept(timeout time.Duration) (*os.File, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := r.l.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("console socket deadline: %w", err)
	}
	conn, err := r.l.AcceptUnix()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("console socket %s: no connection within %v: %w", r.Path(), timeout, err)
		}
		return nil, fmt.Errorf("accept on console socket %s: %w", r.Path(), err)
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, fmt.Errorf("console socket deadline: %w", err)
	}
	return RecvMaster(conn)
}

// Close stops listening and removes the socket file.
func (r *Receiver) Close() error {
	if err := r.l.Close(); err != nil {
		return fmt.Errorf("close console socket: %w", err)
	}
	return nil
}
