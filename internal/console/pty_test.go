package console

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var ptsName = regexp.MustCompile(`^/dev/pts/[0-9]+$`)

// newPty opens a pty pair on the host's /dev/ptmx, closing both ends at the
// end of the test.
func newPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, path, err := OpenPty("/dev/ptmx")
	if err != nil {
		t.Fatalf("OpenPty: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if !ptsName.MatchString(path) {
		t.Fatalf("slave path %q", path)
	}
	s, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open slave: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// readUntil reads f until the accumulated output contains want or timeout.
func readUntil(t *testing.T, f *os.File, want string, timeout time.Duration) string {
	t.Helper()
	f.SetReadDeadline(time.Now().Add(timeout))
	defer f.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 256)
	for !bytes.Contains(got, []byte(want)) {
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("reading %s for %q: got %q, %v", f.Name(), want, got, err)
		}
	}
	return string(got)
}

// readAll reads f until EOF/EIO (the other side closed) or timeout.
func readAll(t *testing.T, f *os.File, timeout time.Duration) string {
	t.Helper()
	f.SetReadDeadline(time.Now().Add(timeout))
	defer f.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 256)
	for {
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF || errors.Is(err, unix.EIO) {
			return string(got)
		}
		if err != nil {
			t.Fatalf("reading %s: got %q, %v", f.Name(), got, err)
		}
	}
}

func TestOpenPtyPairTransfersData(t *testing.T) {
	m, s := newPty(t)
	if m.Name() != "/dev/ptmx" {
		t.Errorf("master name %q, want /dev/ptmx", m.Name())
	}
	if _, err := s.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, m, "ping", 5*time.Second)
	if _, err := m.Write([]byte("pong\n")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, s, "pong", 5*time.Second)
}

func TestOpenPtyMissingPtmx(t *testing.T) {
	_, _, err := OpenPty(t.TempDir() + "/ptmx")
	if err == nil || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("OpenPty(missing) = %v, want ENOENT", err)
	}
}

func TestPtsDir(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/ptmx":                  "/dev/pts",
		"/dev/pts/ptmx":              "/dev/pts",
		"/run/c/rootfs/dev/ptmx":     "/run/c/rootfs/dev/pts",
		"/run/c/rootfs/dev/pts/ptmx": "/run/c/rootfs/dev/pts",
	} {
		if got := ptsDir(in); got != want {
			t.Errorf("ptsDir(%q) = %q, want %q", in, got, want)
		}
	}
}

// shell checks what a process sees on its terminal: its tty name, the size
// and whether it has a controlling terminal (/dev/tty opens only then).
const shellProbe = `tty; stty size; if : </dev/tty; then echo CTTY_OK; else echo CTTY_NONE; fi`

func setSize(t *testing.T, f *os.File, rows, cols uint16) {
	t.Helper()
	if err := ctl(f, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err)
	}
}

func TestShellOnSlaveHasControllingTTY(t *testing.T) {
	m, s := newPty(t)
	setSize(t, m, 33, 111)
	cmd := exec.Command("/bin/sh", "-c", shellProbe)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close() // only the shell holds the slave now, so its exit gives EIO
	out := readAll(t, m, 10*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("shell: %v, output %q", err, out)
	}
	checkProbe(t, out, "33 111")
}

func checkProbe(t *testing.T, out, size string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(out, "\r", "")), "\n")
	if len(lines) != 3 || !ptsName.MatchString(lines[0]) || lines[1] != size || lines[2] != "CTTY_OK" {
		t.Fatalf("terminal probe output %q, want a /dev/pts/N line, %q, CTTY_OK", out, size)
	}
}

// helperEnv names the slave the re-executed test binary attaches to.
const helperEnv = "HULL_CONSOLE_TEST_SLAVE"

// TestHelperSetupSlave is not a test: it runs only in the child started by
// TestSetupSlave, as the container's init would: SetupSlave, then execve.
func TestHelperSetupSlave(t *testing.T) {
	slave := os.Getenv(helperEnv)
	if slave == "" {
		t.Skip("helper process only")
	}
	if err := SetupSlave(slave); err != nil {
		os.Stderr.WriteString("SetupSlave: " + err.Error() + "\n")
		os.Exit(3)
	}
	err := unix.Exec("/bin/sh", []string{"/bin/sh", "-c", shellProbe}, []string{"PATH=/usr/bin:/bin"})
	os.Stderr.WriteString("exec: " + err.Error() + "\n")
	os.Exit(4)
}

func TestSetupSlave(t *testing.T) {
	m, path, err := OpenPty("/dev/ptmx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	setSize(t, m, 24, 80)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSetupSlave$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // replaced by the slave once SetupSlave runs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := readAll(t, m, 10*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v, pty output %q, stderr %q", err, out, stderr.String())
	}
	checkProbe(t, out, "24 80")
	if !strings.Contains(out, path) {
		t.Errorf("tty printed %q, want %s", out, path)
	}
}

func TestSetupSlaveMissing(t *testing.T) {
	err := SetupSlave(t.TempDir() + "/nope")
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("SetupSlave(missing) = %v", err)
	}
}
