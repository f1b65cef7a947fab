package rootfs

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/procfs"
)

// A procfs shows the pid namespace of the process that mounts it (its
// active one, not the one its children get), so the container's /proc used
// to be mounted from inside the container's pid namespace. Since Linux 6.15
// procfs takes the namespace as a "pidns" option instead, which lets hull's
// set-up thread (internal/process/thread.go) mount it from outside.

// msToMountAttr maps the per-mount MS_* flags to the MOUNT_ATTR_* values of
// fsmount(2) (a proc mount's flags) and mount_setattr(2) (mountAttrOf).
var msToMountAttr = []struct{ ms, attr uintptr }{
	{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
	{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
	{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	{unix.MS_NOATIME, unix.MOUNT_ATTR_NOATIME},
	{unix.MS_STRICTATIME, unix.MOUNT_ATTR_STRICTATIME},
	{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME},
	{unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME},
	{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// procMountAttrs converts flags, or says which flag it cannot carry.
func procMountAttrs(flags uintptr) (uintptr, error) {
	var attrs uintptr
	rest := flags &^ (unix.MS_SILENT | unix.MS_REC)
	for _, m := range msToMountAttr {
		if rest&m.ms != 0 {
			attrs |= m.attr
			rest &^= m.ms
		}
	}
	if rest != 0 {
		return 0, fmt.Errorf("mount flags %#x have no fsmount(2) equivalent", rest)
	}
	return attrs, nil
}

// ProcMountSupported reports whether a proc mount with these options can be
// made for another pid namespace: the kernel takes "pidns" (Linux 6.15) and
// every flag maps to a mount attribute. It costs an fsopen, an fsconfig and
// a close, and mounts nothing.
func ProcMountSupported(options []string) bool {
	o, err := parseMountOptions(options)
	if err != nil {
		return false
	}
	if _, err := procMountAttrs(o.flags &^ unix.MS_REMOUNT); err != nil {
		return false
	}
	fs, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return false
	}
	defer unix.Close(fs)
	self, err := unix.Open("/proc/thread-self/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(self)
	return unix.FsconfigSetFd(fs, "pidns", self) == nil
}

// mountProcForPidNS mounts a procfs of pid namespace pidns onto h:
// fsopen, the source and options, fsmount with the flags as mount attributes, and
// move_mount onto the very object h names.
func mountProcForPidNS(source string, h *os.File, pidns int, flags uintptr, data string) error {
	attrs, err := procMountAttrs(flags)
	if err != nil {
		return err
	}
	fs, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen proc: %w", err)
	}
	defer unix.Close(fs)
	// The device name mountinfo shows ("proc"), as mount(2) sets it.
	if source != "" {
		if err := unix.FsconfigSetString(fs, "source", source); err != nil {
			return fmt.Errorf("proc source %q: %w", source, err)
		}
	}
	if err := unix.FsconfigSetFd(fs, "pidns", pidns); err != nil {
		return fmt.Errorf("proc option pidns: %w", err)
	}
	for _, opt := range strings.Split(data, ",") {
		if opt == "" {
			continue
		}
		k, v, hasValue := strings.Cut(opt, "=")
		if hasValue {
			err = unix.FsconfigSetString(fs, k, v)
		} else {
			err = unix.FsconfigSetFlag(fs, k)
		}
		if err != nil {
			return fmt.Errorf("proc option %s: %w", opt, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return fmt.Errorf("create proc: %w", err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, int(attrs))
	if err != nil {
		return fmt.Errorf("fsmount proc: %w", err)
	}
	defer unix.Close(mnt)
	if err := unix.MoveMount(mnt, "", int(h.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount proc: %w", err)
	}
	return nil
}

// openRootfs validates c and opens its rootfs, for the steps that run on
// hull's set-up thread before the root changes (BeforePivot): each resolves
// its paths in that handle.
func (c *Config) openRootfs() (*os.File, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return openRootDir(c.Rootfs)
}

// MakeCwd creates process.cwd inside the rootfs before the root changes
// (runc creates a missing working directory), for a Config with
// BeforePivot.
func MakeCwd(c *Config, cwd string) error {
	root, err := c.openRootfs()
	if err != nil {
		return err
	}
	defer root.Close()
	h, err := mkdirInRoot(root, cwd)
	if err != nil {
		return fmt.Errorf("process.cwd %s: %w", cwd, err)
	}
	return h.Close()
}

// OpenProc resolves /proc inside the rootfs (a Config with BeforePivot) and
// returns it as a verified procfs handle, for sysctl writes.
func OpenProc(c *Config) (*procfs.Handle, error) {
	root, err := c.openRootfs()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	h, err := openInRoot(root, "/proc")
	if err != nil {
		return nil, err
	}
	ph, err := procfs.FromFile(h)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("/proc in the container: %w", err)
	}
	return ph, nil
}

// RootPropagation is linux.rootfsPropagation as MS_* flags (0: none given).
func RootPropagation(c *Config) (uintptr, error) {
	return parseRootPropagation(c.linux().RootfsPropagation)
}
