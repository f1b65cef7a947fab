package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// All lookups below are scoped to an O_PATH handle of the rootfs: symlinks and
// ".." are resolved as if the rootfs were "/" (openat2 RESOLVE_IN_ROOT, or
// pathrs-lite's userspace emulation with procfs checks). A path string is
// never joined onto the rootfs and handed to the kernel, because the image (or
// a second container sharing a volume) can swap a component for a symlink
// between our check and our use: CVE-2021-30465 (mount race), CVE-2019-19921
// and CVE-2023-27561 (/proc through a symlink).

// openRootDir opens dir as an O_PATH handle to be used as a lookup root.
func openRootDir(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", dir, err)
	}
	return os.NewFile(uintptr(fd), dir), nil
}

// cleanPath turns a container path into an absolute, lexically clean one.
// Relative destinations are taken relative to "/", as runc does.
func cleanPath(p string) string {
	return filepath.Clean("/" + p)
}

// procFdPath is the magic link through which mount(2) reaches the object an
// O_PATH handle refers to, without any further path lookup.
func procFdPath(f *os.File) string {
	return "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
}

// openInRoot resolves p inside root and returns an O_PATH handle: openat2
// RESOLVE_IN_ROOT (resolve.go), pathrs-lite where the kernel lacks it.
func openInRoot(root *os.File, p string) (*os.File, error) {
	p = cleanPath(p)
	if !noOpenat2.Load() {
		h, err := openat2InRoot(root, p, 0)
		if !errors.Is(err, unix.ENOSYS) {
			return h, err
		}
	}
	return pathrs.OpenatInRoot(root, p)
}

// mkdirInRoot creates p (and parents) inside root and returns an O_PATH
// handle to it.
func mkdirInRoot(root *os.File, p string) (*os.File, error) {
	p = cleanPath(p)
	if !noOpenat2.Load() {
		h, err := mkdirAllAt2(root, p)
		if !errors.Is(err, unix.ENOSYS) {
			return h, err
		}
	}
	return pathrs.MkdirAllHandle(root, p, 0o755)
}

// splitParent creates the parent directory of p inside root and returns a
// handle to it plus the final component. The final component is never "." or
// ".." because p is cleaned first.
func splitParent(root *os.File, p string) (*os.File, string, error) {
	p = cleanPath(p)
	if p == "/" {
		return nil, "", errors.New("path is the root itself")
	}
	dir, base := filepath.Split(p)
	parent, err := mkdirInRoot(root, dir)
	if err != nil {
		return nil, "", fmt.Errorf("create parent %s: %w", dir, err)
	}
	return parent, base, nil
}

// createFileInRoot makes sure p exists inside root (creating an empty regular
// file if absent) and returns a handle to it. A file bind-mount needs a file
// mountpoint. mknodat(S_IFREG) is used rather than open(O_CREAT) so that an
// existing device node or FIFO is never opened.
func createFileInRoot(root *os.File, p string) (*os.File, error) {
	parent, base, err := splitParent(root, p)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	if err := unix.Mknodat(int(parent.Fd()), base, unix.S_IFREG|0o644, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create %s: %w", p, err)
	}
	return openInRoot(root, p)
}

// ensureRealDir opens p inside root for filesystems that must sit on an
// ordinary directory. proc and sysfs must never be mounted through a
// symlink: CVE-2019-19921 / CVE-2023-27561 used a symlinked /proc to make
// the runtime write LSM labels into an attacker-controlled file.
func ensureRealDir(root *os.File, p string) (*os.File, error) {
	p = cleanPath(p)
	if p == "/" {
		return openInRoot(root, p)
	}
	parent, base, err := splitParent(root, p)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	if err := unix.Mkdirat(int(parent.Fd()), base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("mkdir %s: %w", p, err)
	}
	fd, err := unix.Openat(int(parent.Fd()), base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		f.Close()
		return nil, fmt.Errorf("%s must be an ordinary directory, not a symlink or file", p)
	}
	return f, nil
}

// checkUnder is defence in depth on top of the scoped lookup: the kernel's
// own idea of where the handle lives must be under rootPath. It catches a
// directory that an outside process renamed out of the rootfs after lookup.
//
// It reads the link through the host /proc that every mount target here
// (/proc/self/fd/N) goes through anyway, and that Setup checked is a procfs
// (checkProcFd); pathrs-lite's private procfs instance cost a fsopen,
// fsconfig and fsmount per process plus a verification per readlink.
func checkUnder(f *os.File, rootPath string) error {
	if rootPath == "/" {
		return nil
	}
	got, err := os.Readlink(procFdPath(f))
	if err != nil {
		return fmt.Errorf("readlink of handle %s: %w", f.Name(), err)
	}
	if got != rootPath && !strings.HasPrefix(got, rootPath+"/") {
		return fmt.Errorf("%s resolved to %s, outside the rootfs %s", f.Name(), got, rootPath)
	}
	return nil
}

// checkProcFd makes sure /proc/self/fd is a procfs: mount(2) targets and
// checkUnder go through its magic links, and a /proc that is anything else
// could point them anywhere (CVE-2019-19921).
func checkProcFd() error {
	var sf unix.Statfs_t
	if err := unix.Statfs("/proc/self/fd", &sf); err != nil {
		return fmt.Errorf("statfs /proc/self/fd: %w", err)
	}
	if sf.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("/proc/self/fd is not on a procfs (type %#x)", sf.Type)
	}
	return nil
}

// mountID returns the id of the mount the handle sits on.
func mountID(f *os.File) (uint64, error) {
	var stx unix.Statx_t
	if err := unix.Statx(int(f.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx); err != nil {
		return 0, fmt.Errorf("statx %s: %w", f.Name(), err)
	}
	return stx.Mnt_id, nil
}

// fileType returns the S_IFMT bits of the handle's inode.
func fileType(f *os.File) (uint32, unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, st, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	return st.Mode & unix.S_IFMT, st, nil
}
