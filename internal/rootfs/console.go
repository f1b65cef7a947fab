package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// MountConsole bind-mounts the terminal pty (the slave side, already open
// in this process) onto /dev/console of the current root. Call it after
// Pivot and before Finalize.
//
// CVE-2025-52565: runc bind-mounted the pty onto a /dev/console path the
// container could have made a symlink to a procfs file (or raced into one),
// ending up with a writable /proc/sys/kernel/core_pattern-style target that
// maskedPaths/readonlyPaths no longer covered. Here the mountpoint is
// created and opened with O_NOFOLLOW relative to a handle of /dev, must be a
// regular file or character device on a non-proc/sys filesystem, and the
// mount targets that exact handle.
func MountConsole(pty *os.File) error {
	if pty == nil {
		return errors.New("mount console: nil pty")
	}
	root, err := openRootDir("/")
	if err != nil {
		return err
	}
	defer root.Close()
	h, err := consoleMountpoint(root)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := mountFd(procFdPath(pty), h, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mount %s on /dev/console (type bind): %w", pty.Name(), err)
	}
	return nil
}

// PrepareConsole creates and checks the /dev/console mountpoint inside the
// rootfs before the root changes (a Config with BeforePivot), for an init
// that binds its pty there itself after pivot_root (init_console in
// internal/nsenter/exec_fast.h). It runs before Finalize, while root and
// /dev may still be written; the init checks the mountpoint again, with the
// same rules, before it mounts.
func PrepareConsole(c *Config) error {
	root, err := c.openRootfs()
	if err != nil {
		return err
	}
	defer root.Close()
	h, err := consoleMountpoint(root)
	if err != nil {
		return err
	}
	return h.Close()
}

// consoleMountpoint creates /dev/console under root if missing and returns
// an O_PATH handle of it that passed the CVE-2025-52565 checks above.
func consoleMountpoint(root *os.File) (*os.File, error) {
	dev, err := mkdirInRoot(root, "/dev")
	if err != nil {
		return nil, fmt.Errorf("mount console: open /dev: %w", err)
	}
	defer dev.Close()
	if err := unix.Mknodat(int(dev.Fd()), "console", unix.S_IFREG|0o600, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("mount console: create /dev/console: %w", err)
	}
	fd, err := unix.Openat(int(dev.Fd()), "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("mount console: open /dev/console: %w", err)
	}
	h := os.NewFile(uintptr(fd), "/dev/console")
	ft, _, err := fileType(h)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("mount console: %w", err)
	}
	if ft != unix.S_IFREG && ft != unix.S_IFCHR {
		h.Close()
		return nil, fmt.Errorf("mount console: /dev/console is not a file or char device (type %#o)", ft)
	}
	var sf unix.Statfs_t
	if err := unix.Fstatfs(fd, &sf); err != nil {
		h.Close()
		return nil, fmt.Errorf("mount console: statfs: %w", err)
	}
	if sf.Type == unix.PROC_SUPER_MAGIC || sf.Type == unix.SYSFS_MAGIC {
		h.Close()
		return nil, errors.New("mount console: /dev/console resolves onto procfs/sysfs")
	}
	return h, nil
}
