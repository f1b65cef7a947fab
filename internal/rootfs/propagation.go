package rootfs

import (
	"fmt"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// prepareRoot sets the propagation of the whole (already private copy of the)
// mount tree and bind-mounts the rootfs onto itself.
//
// The default is MS_SLAVE|MS_REC, as runc: host mount events still reach the
// container, but nothing the container mounts or unmounts (including the
// detach of the old root in Pivot) propagates back to the host.
func prepareRoot(rootfs string, prop uintptr) error {
	flags := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if prop != 0 {
		flags = prop
	}
	// A bind of an unbindable mount fails with EINVAL (mount(2)), so the
	// rootfs bind below would fail after making the tree unbindable. Use
	// the default here; Pivot applies "(r)unbindable" to the new root.
	if flags&unix.MS_UNBINDABLE != 0 {
		flags = unix.MS_SLAVE | unix.MS_REC
	}
	if err := unix.Mount("", "/", "", flags, ""); err != nil {
		return fmt.Errorf("set propagation %#x on /: %w", flags, err)
	}
	if err := makeParentPrivate(rootfs); err != nil {
		return err
	}
	// pivot_root(2) needs new_root to be a mount point; binding the rootfs
	// onto itself makes it one and gives the container a mount of its own.
	h, err := openRootDir(rootfs)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := mountFd(procFdPath(h), h, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	return nil
}

// makeParentPrivate makes the mount containing rootfs private if it is
// shared: pivot_root(2) fails with EINVAL when the parent mount of new_root
// is MS_SHARED, and a shared parent would also propagate the rootfs bind.
func makeParentPrivate(rootfs string) error {
	mounts, err := mountinfo.GetMounts(nil)
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	parent := parentMount(mounts, rootfs)
	if parent == nil || !strings.Contains(parent.Optional, "shared:") {
		return nil
	}
	if err := unix.Mount("", parent.Mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make parent mount %s of rootfs private: %w", parent.Mountpoint, err)
	}
	return nil
}

// parentMount returns the last-mounted, deepest mount whose mountpoint
// contains p.
func parentMount(mounts []*mountinfo.Info, p string) *mountinfo.Info {
	var best *mountinfo.Info
	for _, m := range mounts {
		if !pathContains(m.Mountpoint, p) {
			continue
		}
		if best == nil || len(m.Mountpoint) >= len(best.Mountpoint) {
			best = m
		}
	}
	return best
}

// pathContains reports whether p is dir or below it.
func pathContains(dir, p string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
