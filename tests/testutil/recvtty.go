package testutil

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ConsoleSocket is a tiny recvtty: a unix socket that receives the pty
// master a runtime sends (SCM_RIGHTS) for `create --console-socket`.
type ConsoleSocket struct {
	Path string
	ln   *net.UnixListener
	got  chan consoleResult
}

type consoleResult struct {
	f   *os.File
	err error
}

// NewConsoleSocket listens on a fresh socket path and starts accepting one
// connection in the background.
func NewConsoleSocket(t testing.TB) *ConsoleSocket {
	t.Helper()
	p := filepath.Join(TempDir(t, "cs-"), "tty.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
	if err != nil {
		t.Fatalf("listen %s: %v", p, err)
	}
	cs := &ConsoleSocket{Path: p, ln: ln, got: make(chan consoleResult, 1)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		f, err := cs.accept()
		cs.got <- consoleResult{f, err}
	}()
	return cs
}

func (cs *ConsoleSocket) accept() (*os.File, error) {
	conn, err := cs.ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept console socket: %w", err)
	}
	defer conn.Close()
	buf := make([]byte, 4096) // runc sends the pty name as data
	oob := make([]byte, unix.CmsgSpace(4*4))
	_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("recvmsg on console socket: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		rights, err := unix.ParseUnixRights(&msgs[i])
		if err == nil {
			fds = append(fds, rights...)
		}
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("console socket: got %d fds, want exactly 1", len(fds))
	}
	// Non-blocking so reads honour deadlines through the runtime poller.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		return nil, fmt.Errorf("set nonblock: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "pty-master"), nil
}

// Master waits for the runtime to send the pty master.
func (cs *ConsoleSocket) Master(t testing.TB, timeout time.Duration) *os.File {
	t.Helper()
	select {
	case r := <-cs.got:
		if r.err != nil {
			t.Fatalf("console socket: %v", r.err)
		}
		t.Cleanup(func() { r.f.Close() })
		return r.f
	case <-time.After(timeout):
		t.Fatalf("no pty master received on %s within %v", cs.Path, timeout)
		return nil
	}
}

// ReadUntil reads from f until the accumulated output contains want, EOF/EIO
// (the slave side closed), or timeout; it returns everything read.
func ReadUntil(f *os.File, want string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	_ = f.SetReadDeadline(deadline)
	var out []byte
	buf := make([]byte, 1024)
	for time.Now().Before(deadline) {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if want != "" && strings.Contains(string(out), want) {
			break
		}
		if err != nil {
			break
		}
	}
	return string(out)
}
