package console

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func listen(t *testing.T) *Receiver {
	t.Helper()
	r, err := Listen(filepath.Join(t.TempDir(), "console.sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

type accepted struct {
	f   *os.File
	err error
}

func acceptAsync(r *Receiver, timeout time.Duration) chan accepted {
	ch := make(chan accepted, 1)
	go func() {
		f, err := r.Accept(timeout)
		ch <- accepted{f, err}
	}()
	return ch
}

func TestSendRecvMasterRoundTrip(t *testing.T) {
	r := listen(t)
	ch := acceptAsync(r, 5*time.Second)

	master, slavePath, err := OpenPty("/dev/ptmx")
	if err != nil {
		t.Fatal(err)
	}
	sock, err := Connect(r.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := SendMaster(sock, master); err != nil {
		t.Fatal(err)
	}
	// Like the container init, the sender drops its copies after sending.
	sock.Close()
	master.Close()

	a := <-ch
	if a.err != nil {
		t.Fatalf("Accept: %v", a.err)
	}
	got := a.f
	t.Cleanup(func() { got.Close() })
	if got.Name() != "/dev/ptmx" {
		t.Errorf("received name %q, want /dev/ptmx (the payload runc sends)", got.Name())
	}
	flags, err := unix.FcntlInt(got.Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd not close-on-exec: flags %#x, %v", flags, err)
	}

	slave, err := os.OpenFile(slavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	if _, err := slave.Write([]byte("from container\n")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, got, "from container", 5*time.Second)
	if _, err := got.Write([]byte("to container\n")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, slave, "to container", 5*time.Second)
}

func TestAcceptTimesOut(t *testing.T) {
	r := listen(t)
	start := time.Now()
	_, err := r.Accept(100 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no connection") {
		t.Fatalf("Accept = %v, want timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Accept ignored its timeout")
	}
}

func TestConnectMissingSocket(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing.sock")
	if _, err := Connect(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Connect(missing) = %v", err)
	}
}

// sendRaw sends one message carrying fds (possibly none) to r.
func sendRaw(t *testing.T, r *Receiver, payload string, fds ...int) {
	t.Helper()
	sock, err := Connect(r.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := unix.Sendmsg(int(sock.Fd()), []byte(payload), oob, nil, 0); err != nil {
		t.Fatal(err)
	}
}

func TestRecvMasterRejectsWrongFdCount(t *testing.T) {
	r := listen(t)
	ch := acceptAsync(r, 5*time.Second)
	sendRaw(t, r, "/dev/ptmx")
	if a := <-ch; a.err == nil || !strings.Contains(a.err.Error(), "got 0 fds") {
		t.Fatalf("no fd: Accept = %v", a.err)
	}

	r2 := listen(t)
	ch = acceptAsync(r2, 5*time.Second)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	sendRaw(t, r2, "two", int(pr.Fd()), int(pr.Fd()))
	if a := <-ch; a.err == nil || !strings.Contains(a.err.Error(), "got 2 fds") {
		t.Fatalf("two fds: Accept = %v", a.err)
	}
	// RecvMaster must have closed both received copies of pr.
	pw.Close()
	if n := countFdsOn(t, pr); n != 1 {
		t.Fatalf("%d fds refer to the pipe, want only ours (received copies leaked)", n)
	}
}

// countFdsOn counts this process's fds that refer to the same file as f.
func countFdsOn(t *testing.T, f *os.File) int {
	t.Helper()
	want, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == want {
			n++
		}
	}
	return n
}

func TestRecvMasterPayloadIsName(t *testing.T) {
	r := listen(t)
	ch := acceptAsync(r, 5*time.Second)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	sendRaw(t, r, "/some/name", int(pr.Fd()))
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.f.Close()
	if a.f.Name() != "/some/name" {
		t.Fatalf("name %q", a.f.Name())
	}
	pw.Write([]byte("x"))
	buf := make([]byte, 1)
	if n, err := a.f.Read(buf); n != 1 || buf[0] != 'x' {
		t.Fatalf("received fd is not the pipe: %d %v", n, err)
	}
}

// RecvMaster also works on a connection the caller accepted itself.
func TestRecvMasterOnOwnConn(t *testing.T) {
	a, b, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	m, _, err := OpenPty("/dev/ptmx")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := SendMaster(a, m); err != nil {
		t.Fatal(err)
	}
	got, err := RecvMaster(b)
	if err != nil {
		t.Fatal(err)
	}
	got.Close()
}

func socketPair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "socketpair-a"), os.NewFile(uintptr(fds[1]), "socketpair-b"), nil
}
