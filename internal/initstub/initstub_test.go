package initstub

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"unsafe"

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

// rodata is a constant: its bytes lie in the test binary's file, in a
// loaded segment, as an embedded stub's do in hull's.
const rodata = "hull init stub test data: copied from the executable's own file by sendfile, never through a mapping of it. " +
	"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"

// The copy comes from the executable's file (sendfile), not from the
// mapped image, and holds the same bytes.
func TestCopyFromExe(t *testing.T) {
	withImage(t, unsafe.Slice(unsafe.StringData(rodata), len(rodata)))
	fd, err := unix.MemfdCreate("test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if !copyFromExe(fd) {
		t.Fatal("copyFromExe found no copy of the image in /proc/self/exe")
	}
	got := make([]byte, len(rodata)+1)
	n, err := unix.Pread(fd, got, 0)
	if err != nil || string(got[:n]) != rodata {
		t.Fatalf("memfd holds %q (%v), want the image", got[:n], err)
	}
	// Bytes not in the file (heap) are not found there: the caller writes.
	withImage(t, []byte(rodata+"!"))
	fd2, err := unix.MemfdCreate("test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd2)
	if copyFromExe(fd2) {
		t.Fatal("copyFromExe claims a heap slice lies in the executable")
	}
	if st, err := os.Stat("/proc/self/fd/" + strconv.Itoa(fd2)); err != nil || st.Size() != 0 {
		t.Fatalf("memfd left with %v bytes (%v), want empty for the fallback", st.Size(), err)
	}
}
