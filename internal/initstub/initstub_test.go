package initstub

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func withImage(t *testing.T, b []byte) {
	t.Helper()
	old := image
	image = b
	t.Cleanup(func() { image = old })
}

func TestSealedWithoutStub(t *testing.T) {
	withImage(t, nil)
	if Available() {
		t.Fatal("Available() with no image")
	}
	if fd, err := Sealed(); !errors.Is(err, ErrNone) {
		t.Fatalf("Sealed() = %d, %v; want ErrNone", fd, err)
	}
}

// The copy runs (the init is exec'd from it), carries every seal, and
// refuses writes and size changes through a reopened /proc/self/fd path,
// the CVE-2019-5736 route.
func TestSealedCopyRunsAndRefusesWrites(t *testing.T) {
	prog, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true to stand in for the stub")
	}
	withImage(t, prog)
	fd, err := Sealed()
	if err != nil {
		t.Fatalf("Sealed: %v", err)
	}
	defer unix.Close(fd)
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || seals&Seals != Seals {
		t.Fatalf("seals %#x (%v), want %#x set", seals, err, Seals)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("memfd is not close-on-exec (%#x, %v)", fl, err)
	}
	path := "/proc/self/fd/" + strconv.Itoa(fd)
	if out, err := exec.Command(path).CombinedOutput(); err != nil {
		t.Fatalf("exec %s: %v: %s", path, err, out)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		if n, err := f.WriteAt([]byte{0x7f}, 0); err == nil || n != 0 {
			t.Errorf("wrote to the sealed init stub")
		}
		if err := f.Truncate(0); err == nil {
			t.Errorf("truncated the sealed init stub")
		}
		f.Close()
	}
	got := make([]byte, len(prog))
	if n, err := unix.Pread(fd, got, 0); err != nil || n != len(prog) || string(got) != string(prog) {
		t.Errorf("memfd holds %d bytes (%v), not the image", n, err)
	}
}
