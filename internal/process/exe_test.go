package process

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/initstub"
)

// envExeHelper makes the test binary, started from a sealed copy, sleep so
// that the test can attack its /proc/<pid>/exe as a container would.
const envExeHelper = "HULL_TEST_SEALED_EXE_HELPER"

func init() {
	if os.Getenv(envExeHelper) != "" {
		time.Sleep(30 * time.Second)
		os.Exit(0)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// checkSealed is what an attacker in the container tries: reopen the file
// behind /proc/<pid>/exe for writing, directly and through an fd.
func checkSealed(t *testing.T, path string) {
	t.Helper()
	for _, flag := range []int{os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_TRUNC, os.O_WRONLY | os.O_APPEND} {
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			if !errors.Is(err, unix.EROFS) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ETXTBSY) && !errors.Is(err, unix.EACCES) {
				t.Errorf("open %s for writing: unexpected error %v", path, err)
			}
			continue
		}
		// A sealed memfd opens for writing; its seals refuse the write
		// itself and any size change.
		if n, err := f.WriteAt([]byte{0x7f}, 0); err == nil || n != 0 {
			t.Errorf("wrote to %s (flags %#x): the binary is writable (CVE-2019-5736)", path, flag)
		}
		if err := f.Truncate(0); err == nil {
			t.Errorf("truncated %s: the binary is writable (CVE-2019-5736)", path)
		}
		f.Close()
	}
}

func testSealed(t *testing.T, forceMemfd bool, want string) {
	if os.Geteuid() != 0 && !forceMemfd {
		t.Skip("overlayfs needs CAP_SYS_ADMIN")
	}
	f, method, err := sealedExe(forceMemfd, "")
	if err != nil {
		t.Fatalf("sealedExe: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if method != want {
		t.Fatalf("method %q, want %q", method, want)
	}
	p := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	if fileHash(t, p) != fileHash(t, "/proc/self/exe") {
		t.Fatal("sealed exe differs from /proc/self/exe")
	}
	checkSealed(t, p)

	// Start the sealed copy and attack it the way a container process
	// would: through the child's /proc/<pid>/exe, while it runs and after
	// it exited (the original attack waited for the runtime to exit so
	// that ETXTBSY no longer applied).
	cmd := exec.Command(p, "-test.run=^$")
	cmd.Env = append(os.Environ(), envExeHelper+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatalf("exec sealed exe: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	exe := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/exe"
	var held *os.File
	for i := 0; i < 200; i++ {
		// Wait until the child's exe is the sealed file (execve done).
		if fileHash(t, exe) == fileHash(t, "/proc/self/exe") {
			if held, err = os.OpenFile(exe, unix.O_PATH, 0); err == nil {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if held == nil {
		t.Fatalf("could not open %s: %v", exe, err)
	}
	defer held.Close()
	checkSealed(t, exe)
	cmd.Process.Kill()
	cmd.Wait()
	checkSealed(t, "/proc/self/fd/"+strconv.Itoa(int(held.Fd())))
}

func TestSealedExeOverlay(t *testing.T) { testSealed(t, false, MethodOverlay) }

func TestSealedExeMemfd(t *testing.T) { testSealed(t, true, MethodMemfd) }

// TestSealedExeRunsWithArgs checks the sealed exe is a working program (the
// init is started from it), not just a readable file.
func TestSealedExeRunsWithArgs(t *testing.T) {
	for _, force := range []bool{false, true} {
		if os.Geteuid() != 0 && !force {
			continue
		}
		f, method, err := sealedExe(force, "")
		if err != nil {
			t.Fatalf("sealedExe(%v): %v", force, err)
		}
		out, err := exec.Command("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), "-test.list=^TestSealedExeRunsWithArgs$").CombinedOutput()
		f.Close()
		if err != nil {
			t.Fatalf("%s: run sealed exe: %v: %s", method, err, out)
		}
		if !bytes.Contains(out, []byte("TestSealedExeRunsWithArgs")) {
			t.Errorf("%s: sealed exe printed %q", method, out)
		}
	}
}

func TestInitBinary(t *testing.T) {
	path, cleanup, err := InitBinary(3+16, "")
	if err != nil {
		t.Fatalf("InitBinary: %v", err)
	}
	fd := FdOfPath(path)
	if fd < 0 {
		t.Fatalf("path %q is not /proc/self/fd/N", path)
	}
	if !FdSafe(fd, 3+16) {
		t.Errorf("fd %d is low enough for os/exec's dup2 shuffle to overwrite it", fd)
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd %d is not close-on-exec (flags %#x, %v)", fd, flags, err)
	}
	// A started child with many extra files still runs the right binary.
	var extra []*os.File
	for i := 0; i < 16; i++ {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		extra = append(extra, r)
	}
	cmd := exec.Command(path, "-test.list=^TestInitBinary$")
	cmd.ExtraFiles = extra
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("TestInitBinary")) {
		t.Errorf("run %s: %v: %q", path, err, out)
	}
	checkSealed(t, path)
	cleanup()
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
		t.Errorf("cleanup left fd %d open", fd)
	}
}

func TestFdHelpers(t *testing.T) {
	if FdOfPath("/proc/self/fd/12") != 12 || FdOfPath("/proc/self/exe") != -1 || FdOfPath("12") != -1 {
		t.Error("FdOfPath")
	}
	if FdSafe(8, 3) || !FdSafe(9, 3) {
		t.Error("FdSafe boundary: 2*3+2 = 8 may be written by os/exec")
	}
}

func BenchmarkSealedExeOverlay(b *testing.B) { benchSealed(b, false) }

func BenchmarkSealedExeMemfd(b *testing.B) { benchSealed(b, true) }

func benchSealed(b *testing.B, forceMemfd bool) {
	if os.Geteuid() != 0 && !forceMemfd {
		b.Skip("overlayfs needs CAP_SYS_ADMIN")
	}
	// Only the making counts: hull closes the handle after cmd.Start, off
	// the path to Ready, and releasing a detached mount waits for an RCU
	// grace period (milliseconds) that would dominate otherwise.
	for i := 0; i < b.N; i++ {
		f, _, err := sealedExe(forceMemfd, "")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.Close()
		b.StartTimer()
	}
}

// StubBinary is the sealed init stub where hull carries one (a build with
// -tags hullstub, scripts/build.sh), else InitBinary's sealed hull; either
// is at a safe fd, close-on-exec, and cannot be written.
func TestStubBinary(t *testing.T) {
	if os.Geteuid() != 0 && !initstub.Available() {
		t.Skip("overlayfs needs CAP_SYS_ADMIN")
	}
	path, cleanup, err := StubBinary(3+4, "")
	if err != nil {
		t.Fatalf("StubBinary: %v", err)
	}
	defer cleanup()
	fd := FdOfPath(path)
	if !FdSafe(fd, 3+4) {
		t.Errorf("fd %d of %s is not above os/exec's shuffle", fd, path)
	}
	target, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	if initstub.Available() != strings.HasPrefix(target, "/memfd:hull-init") {
		t.Errorf("StubBinary gave %s (stub available: %v)", target, initstub.Available())
	}
	checkSealed(t, path)
}
