package console

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// maxNameLen bounds the payload that names the fd, as runc's utils.MaxNameLen
// (4096) does; receivers allocate a buffer of this size.
const maxNameLen = 4096

// Connect dials the --console-socket (a unix stream socket) and returns the
// connection as a plain blocking *os.File, which survives into the container's
// init. Raw socket calls, not package net: importing net costs every hull
// process its package initialisation, and hull needs none of its poller here.
func Connect(socketPath string) (*os.File, error) {
	fd, err := dialUnix(socketPath)
	if err != nil {
		return nil, fmt.Errorf("connect console socket %s: %w", socketPath, err)
	}
	return os.NewFile(uintptr(fd), socketPath), nil
}

// dialUnix connects a close-on-exec unix stream socket to path.
func dialUnix(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
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
func RecvMaster(conn *os.File) (*os.File, error) {
	buf := make([]byte, maxNameLen)
	oob := make([]byte, unix.CmsgSpace(4*4))
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(int(conn.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	runtime.KeepAlive(conn)
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
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}

// Receiver is a minimal recvtty: it listens on a unix socket path and takes
// the master from the first connection.
type Receiver struct {
	fd   int
	path string
}

// Listen creates the console socket at path (which must not exist).
func Listen(path string) (*Receiver, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("listen on console socket %s: %w", path, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("listen on console socket %s: %w", path, err)
	}
	if err := unix.Listen(fd, 8); err != nil {
		unix.Close(fd)
		os.Remove(path)
		return nil, fmt.Errorf("listen on console socket %s: %w", path, err)
	}
	return &Receiver{fd: fd, path: path}, nil
}

// Path returns the socket path.
func (r *Receiver) Path() string { return r.path }

// Accept waits up to timeout (0: forever) for one connection and returns the
// master it sends.
func (r *Receiver) Accept(timeout time.Duration) (*os.File, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := waitReadable(r.fd, deadline); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("console socket %s: no connection within %v: %w", r.path, timeout, err)
		}
		return nil, fmt.Errorf("accept on console socket %s: %w", r.path, err)
	}
	cfd, _, err := unix.Accept4(r.fd, unix.SOCK_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("accept on console socket %s: %w", r.path, err)
	}
	conn := os.NewFile(uintptr(cfd), r.path)
	defer conn.Close()
	if err := waitReadable(cfd, deadline); err != nil {
		return nil, fmt.Errorf("console socket %s: %w", r.path, err)
	}
	return RecvMaster(conn)
}

// waitReadable polls fd until it is readable or deadline (zero: none) passes.
func waitReadable(fd int, deadline time.Time) error {
	for {
		ms := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return os.ErrDeadlineExceeded
			}
			ms = int(left/time.Millisecond) + 1
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// Close stops listening and removes the socket file.
func (r *Receiver) Close() error {
	os.Remove(r.path)
	if err := unix.Close(r.fd); err != nil {
		return fmt.Errorf("close console socket: %w", err)
	}
	return nil
}
