package rootfs

import (
	"errors"
	"fmt"
	"sort"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Pivot makes the rootfs the process's root: pivot_root(2), or with NoPivot
// MS_MOVE onto / plus chroot(2). The old root is detached and the working
// directory is "/" afterwards, so no handle or cwd keeps the host filesystem
// reachable (the CVE-2024-21626 class of leak). linux.rootfsPropagation is
// applied to the new "/" at the end.
func Pivot(c *Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	prop, err := parseRootPropagation(c.linux().RootfsPropagation)
	if err != nil {
		return err
	}
	if c.NoPivot {
		err = moveRoot(c.Rootfs)
	} else {
		err = pivotRoot(c.Rootfs)
	}
	if err != nil {
		return err
	}
	if prop != 0 {
		if err := unix.Mount("", "/", "", prop, ""); err != nil {
			return fmt.Errorf("apply rootfsPropagation to /: %w", err)
		}
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// pivotRoot uses pivot_root(".", "."), which stacks the old root on top of
// the new one, so no put_old directory has to exist inside the image.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// The old root may still be shared with the host (rootfsPropagation
	// shared); make it a slave so the detach below cannot propagate an
	// unmount of everything back to the host.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return nil
}

// moveRoot is the --no-pivot path (needed on ramfs roots where pivot_root
// is impossible). Before the move, every host proc/sysfs outside the rootfs
// is detached (or covered with a tmpfs when that is not allowed): after
// chroot they would still exist in the namespace, and the kernel's
// mount_too_revealing() check for new proc/sysfs mounts in nested user
// namespaces looks at every mount in the namespace, not just reachable ones.
func moveRoot(rootfs string) error {
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (bool, bool) {
		if m.FSType != "proc" && m.FSType != "sysfs" {
			return true, false
		}
		return pathContains(rootfs, m.Mountpoint), false
	})
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
	for _, m := range mounts {
		p := m.Mountpoint
		if err := unix.Mount("", p, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
				continue // already gone with a parent
			}
			return fmt.Errorf("make %s rslave: %w", p, err)
		}
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil {
			if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("detach %s: %w", p, err)
			}
			if err := unix.Mount("tmpfs", p, "tmpfs", 0, ""); err != nil {
				return fmt.Errorf("cover %s: %w", p, err)
			}
		}
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	return nil
}
