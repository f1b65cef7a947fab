package rawfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	want := strings.Repeat("x", 3000)
	if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(p)
	if err != nil || string(got) != want {
		t.Fatalf("ReadFile = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
}

// A missing file reads as os's error did: callers test fs.ErrNotExist and
// print "open PATH: ...".
func TestErrorsKeepOsShape(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing")
	for name, f := range map[string]func() error{
		"ReadFile":  func() error { _, err := ReadFile(p); return err },
		"ReadProc":  func() error { _, err := ReadProc(p, 16); return err },
		"Open":      func() error { _, err := Open(p, unix.O_RDONLY, 0); return err },
		"WriteFile": func() error { return WriteFile(p, nil, 0, 0) },
	} {
		err := f()
		var pe *fs.PathError
		if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" || pe.Path != p {
			t.Errorf("%s: %v, want *fs.PathError open %s: ENOENT", name, err, p)
		}
		if want := "open " + p + ": no such file or directory"; err != nil && err.Error() != want {
			t.Errorf("%s: %q, want %q", name, err, want)
		}
	}
}

// ReadProc grows its buffer past the first size: /proc files stat as empty.
func TestReadProcGrows(t *testing.T) {
	want, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadProc("/proc/self/mountinfo", 8)
	if err != nil {
		t.Fatal(err)
	}
	// Both read this process's mount table; it does not change meanwhile.
	if string(got) != string(want) {
		t.Fatalf("ReadProc read %d bytes, os.ReadFile %d", len(got), len(want))
	}
}

// Each Write is one write(2): the kernel parses each as one value (a
// devices.allow rule), so two writes must not be joined.
func TestWriteIsOneSyscallEach(t *testing.T) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	f := &FD{fd: fds[1], name: "pipe"}
	for _, s := range []string{"c 1:3 rwm", "c 1:5 rwm"} {
		if n, err := f.WriteString(s); n != len(s) || err != nil {
			t.Fatalf("WriteString(%q) = %d, %v", s, n, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	buf := make([]byte, 64)
	n, _ := unix.Read(fds[0], buf)
	if got := string(buf[:n]); got != "c 1:3 rwmc 1:5 rwm" {
		t.Fatalf("read back %q", got)
	}
}

// O_CLOEXEC is always added: no descriptor leaks into the init or a hook.
func TestCloexec(t *testing.T) {
	fd, err := OpenFd("/", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Fatalf("F_GETFD = %#x, %v: no FD_CLOEXEC", fl, err)
	}
}

func TestWriteFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pid")
	if err := WriteFile(p, []byte("1234"), unix.O_CREAT|unix.O_TRUNC, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("56"), unix.O_CREAT|unix.O_TRUNC, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o644&^umask() {
		t.Fatalf("stat: %v %v", st, err)
	}
	if b, _ := os.ReadFile(p); string(b) != "56" {
		t.Fatalf("content %q, want 56", b)
	}
}

func umask() os.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return os.FileMode(m)
}

// A short write is an error, not a second write of the rest (which cgroupfs
// would read as another value).
func TestShortWriteIsAnError(t *testing.T) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	size, err := unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, 4096)
	if err != nil {
		t.Fatal(err)
	}
	f := &FD{fd: fds[1], name: "pipe"}
	n, err := f.Write(make([]byte, 2*size))
	if n != size || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Write of %d bytes into a %d-byte pipe = %d, %v; want %d, ErrShortWrite", 2*size, size, n, err, size)
	}
}
