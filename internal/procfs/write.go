package procfs

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Handle is an fd of a directory verified to be the root of a procfs mount.
// Writes through it cannot be redirected by a container that mounted
// something over /proc or planted a symlink (CVE-2019-16884, CVE-2019-19921,
// CVE-2025-52881: a fake /proc/sys/... or /proc/self/attr turns a runtime's
// write into a write elsewhere).
type Handle struct{ f *os.File }

// Open opens and verifies the procfs mounted at dir (normally "/proc").
func Open(dir string) (*Handle, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("statfs %s: %w", dir, err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		unix.Close(fd)
		return nil, fmt.Errorf("%s is not a procfs mount (type 0x%x)", dir, st.Type)
	}
	return &Handle{f: os.NewFile(uintptr(fd), dir)}, nil
}

// FromFile verifies that f (an fd of a directory, O_PATH will do) is the
// root of a procfs mount and takes it over as a Handle.
func FromFile(f *os.File) (*Handle, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", f.Name(), err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		return nil, fmt.Errorf("%s is not a procfs mount (type 0x%x)", f.Name(), st.Type)
	}
	return &Handle{f: f}, nil
}

// Close releases the handle.
func (h *Handle) Close() error { return h.f.Close() }

// WriteFile writes data to name, a path under the procfs root without
// symlinks (use "<pid>/..." rather than "self/..."). The target must be on
// procfs itself, never a bind mount over it.
func (h *Handle) WriteFile(name string, data []byte) error {
	how := unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	}
	fd, err := unix.Openat2(int(h.f.Fd()), name, &how)
	if err != nil {
		return fmt.Errorf("open /proc/%s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), "/proc/"+name)
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write /proc/%s: %w", name, err)
	}
	return nil
}

// SelfPath names a file of the calling process below the procfs root.
func SelfPath(file string) string { return strconv.Itoa(os.Getpid()) + "/" + file }
