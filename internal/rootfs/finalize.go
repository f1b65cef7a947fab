package rootfs

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Finalize runs after Pivot, once the container's /proc is mounted (and
// after sysctls are written and /dev/console is mounted, since both need
// paths that become read-only here). In order, as runc: /dev read-only if
// its spec mount said "ro", root.readonly, readonlyPaths, maskedPaths.
// With BeforePivot it runs before the root changes instead (the init
// pivots later), resolving every path in Rootfs.
func Finalize(c *Config) error {
	if c == nil || c.Spec == nil {
		return errors.New("rootfs: nil config or spec")
	}
	// Mount targets are /proc/self/fd/N magic links: make sure /proc really
	// is a procfs and not something the image put there (CVE-2019-19921).
	var sf unix.Statfs_t
	if err := unix.Statfs("/proc/self/fd", &sf); err != nil || sf.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("finalize rootfs: /proc is not a procfs (statfs err %v)", err)
	}
	rootDir := "/"
	if c.BeforePivot {
		rootDir = c.Rootfs
	}
	root, err := openRootDir(rootDir)
	if err != nil {
		return err
	}
	defer root.Close()

	for _, m := range c.Spec.Mounts {
		if cleanPath(m.Destination) != "/dev" || m.Type == "bind" {
			continue
		}
		o, err := parseMountOptions(m.Options)
		if err != nil || o.flags&(unix.MS_RDONLY|unix.MS_BIND) != unix.MS_RDONLY {
			continue
		}
		if err := remountPath(root, "/dev", o.flags); err != nil {
			return fmt.Errorf("remount /dev read-only: %w", err)
		}
	}
	if c.Spec.Root != nil && c.Spec.Root.Readonly {
		if err := remountBind(root, unix.MS_RDONLY); err != nil {
			return fmt.Errorf("remount / read-only: %w", err)
		}
	}
	if c.Spec.Linux == nil {
		return nil
	}
	for _, p := range c.Spec.Linux.ReadonlyPaths {
		if err := readonlyPath(root, p); err != nil {
			return fmt.Errorf("readonly path %s: %w", p, err)
		}
	}
	if len(c.Spec.Linux.MaskedPaths) == 0 {
		return nil
	}
	var null *os.File // opened lazily: only file masks need it
	defer func() {
		if null != nil {
			null.Close()
		}
	}()
	for _, p := range c.Spec.Linux.MaskedPaths {
		if err := maskPath(root, p, &null); err != nil {
			return fmt.Errorf("mask path %s: %w", p, err)
		}
	}
	return nil
}

// remountPath remounts the mount at p (resolved in root) with flags.
func remountPath(root *os.File, p string, flags uintptr) error {
	h, err := openInRoot(root, p)
	if err != nil {
		return err
	}
	defer h.Close()
	return remountBind(h, flags)
}

// currentFlags returns the per-mount flags (MS_* bits) of the mount h is on.
func currentFlags(h *os.File) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &st); err != nil {
		return 0, fmt.Errorf("statfs: %w", err)
	}
	return uintptr(st.Flags) & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
		unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME), nil
}

// readonlyPath bind-mounts p onto itself and remounts it read-only, keeping
// the flags it already had (nosuid/nodev/noexec of /proc). Missing paths are
// skipped, as the spec allows.
func readonlyPath(root *os.File, p string) error {
	h, err := openInRoot(root, p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer h.Close()
	if !noMountAPI.Load() {
		err := bindReadonly(h)
		if !errors.Is(err, unix.ENOSYS) {
			return err
		}
		noMountAPI.Store(true)
	}
	if err := mountFd(procFdPath(h), h, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind onto itself: %w", err)
	}
	nh, err := openInRoot(root, p)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	defer nh.Close()
	if a, b := mustMountID(h), mustMountID(nh); a == b {
		return errors.New("path changed during bind")
	}
	flags, err := currentFlags(nh)
	if err != nil {
		return err
	}
	return remountBind(nh, flags|unix.MS_RDONLY)
}

// noMountAPI is set once open_tree(2) (5.2) or mount_setattr(2) (5.12)
// answered ENOSYS: readonlyPath then binds and remounts by path.
var noMountAPI atomic.Bool

// bindReadonly puts a read-only bind of h's tree on top of h itself:
// open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) makes a detached copy,
// mount_setattr(MOUNT_ATTR_RDONLY) sets only that bit on its top mount
// (nosuid/nodev/noexec and the atime mode stay as they were, and no flag
// the user namespace locked is ever cleared, so no EPERM retry), and
// move_mount attaches it onto the very object h names. The copy is never
// writable once visible, and nothing is re-resolved by path afterwards, so
// there is no reopen for CVE-2021-30465's swap to race (and no reopen,
// statx pair and statfs per path).
func bindReadonly(h *os.File) error {
	fd, err := unix.OpenTree(int(h.Fd()), "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH|unix.AT_RECURSIVE)
	if err != nil {
		return fmt.Errorf("open_tree: %w", err)
	}
	defer unix.Close(fd)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		return fmt.Errorf("mount_setattr rdonly: %w", err)
	}
	if err := unix.MoveMount(fd, "", int(h.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	return nil
}

func mustMountID(f *os.File) uint64 {
	id, err := mountID(f)
	if err != nil {
		return 0
	}
	return id
}

// maskPath hides p: files get the container's /dev/null bound over them,
// directories a read-only empty tmpfs. Missing paths are skipped.
func maskPath(root *os.File, p string, null **os.File) error {
	h, err := openInRoot(root, p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer h.Close()
	ft, _, err := fileType(h)
	if err != nil {
		return err
	}
	if ft == unix.S_IFDIR {
		if err := mountFd("tmpfs", h, "tmpfs", unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("mount tmpfs: %w", err)
		}
		return nil
	}
	if *null == nil {
		if *null, err = openDevNull(root); err != nil {
			return err
		}
	}
	if err := mountFd(procFdPath(*null), h, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind /dev/null: %w", err)
	}
	return nil
}

// openDevNull opens the container's /dev/null and proves it is the null
// device. CVE-2025-31133: a container that replaced /dev/null with a symlink
// (e.g. to /proc/sys/kernel/core_pattern) got runc to bind that target over
// masked paths, un-masking them, or racing it into a writable procfs file.
// The final component is opened with O_NOFOLLOW, its type and rdev checked,
// and the bind uses this very handle, so nothing can be swapped in between.
func openDevNull(root *os.File) (*os.File, error) {
	dev, err := openInRoot(root, "/dev")
	if err != nil {
		return nil, fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	fd, err := unix.Openat(int(dev.Fd()), "null", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	f := os.NewFile(uintptr(fd), "/dev/null")
	if err := verifyDevNull(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func verifyDevNull(f *os.File) error {
	ft, st, err := fileType(f)
	if err != nil {
		return err
	}
	if ft != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		return fmt.Errorf("/dev/null is not the null device (type %#o, rdev %d:%d); refusing to use it for masking",
			ft, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return nil
}
