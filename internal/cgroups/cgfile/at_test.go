package cgfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// Paths under /sys/fs/cgroup resolve from one descriptor of it (no lookup
// through /sys: see root); others stay as they are.
func TestAt(t *testing.T) {
	if _, err := os.Stat("/sys/fs/cgroup"); err != nil {
		t.Skip("no /sys/fs/cgroup")
	}
	fd, rel := At("/sys/fs/cgroup/cpu/some/cg")
	if fd < 0 || rel != "cpu/some/cg" {
		t.Fatalf("At = %d, %q; want a descriptor and cpu/some/cg", fd, rel)
	}
	if target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); err != nil || target != "/sys/fs/cgroup" {
		t.Errorf("descriptor %d is %q (%v), want /sys/fs/cgroup", fd, target, err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("descriptor %d is not close-on-exec", fd)
	}
	for _, p := range []string{"/tmp/x", "/sys/fs/cgroup", "/sys/fs/cgroupx/y", "relative/p"} {
		if fd, rel := At(p); fd != unix.AT_FDCWD || rel != p {
			t.Errorf("At(%q) = %d, %q; want it unchanged", p, fd, rel)
		}
	}
}

// Mkdir, Lexists and Rmdir behave as their path-based counterparts,
// errors included.
func TestMkdirLexistsRmdir(t *testing.T) {
	d := filepath.Join(t.TempDir(), "c")
	if Lexists(d) {
		t.Fatal("Lexists before Mkdir")
	}
	if err := Mkdir(d); err != nil {
		t.Fatal(err)
	}
	if err := Mkdir(d); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Mkdir: %v, want ErrExist", err)
	}
	if !Lexists(d) {
		t.Error("Lexists after Mkdir")
	}
	if err := Rmdir(d); err != nil {
		t.Fatal(err)
	}
	if err := Rmdir(d); !errors.Is(err, unix.ENOENT) {
		t.Errorf("second Rmdir: %v, want ENOENT", err)
	}
	link := d + "-link"
	if err := os.Symlink("/", link); err != nil {
		t.Fatal(err)
	}
	if !Lexists(link) {
		t.Error("Lexists does not see a symlink itself")
	}
}
