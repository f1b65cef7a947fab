package rootfs

import (
	"fmt"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/procfs"
)

// prepareRoot sets the propagation of the whole (already private copy of the)
// mount tree and bind-mounts the rootfs onto itself.
//
// The default is MS_SLAVE|MS_REC, as runc: host mount events still reach the
// container, but nothing the container mounts or unmounts (including the
// detach of the old root in Pivot) propagates back to the host.
func prepareRoot(rootfs string, prop uintptr, mounts *mountTable) error {
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
	if parentMayBeShared(flags) {
		if err := makeParentPrivate(rootfs, mounts); err != nil {
			return err
		}
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

// parentMayBeShared reports whether, after flags were applied to "/", any
// mount (the rootfs's parent in particular) can still be shared. MS_SLAVE or
// MS_PRIVATE with MS_REC leaves no shared mount in the tree (MS_SLAVE turns
// a shared mount into a slave or, alone in its peer group, a private one;
// mount_namespaces(7)), so the mountinfo scan of makeParentPrivate is only
// needed for "shared", "rshared", and the non-recursive "slave"/"private".
// That keeps /proc/self/mountinfo off the default path (hot spot 5).
func parentMayBeShared(flags uintptr) bool {
	return flags&unix.MS_REC == 0 || flags&(unix.MS_SLAVE|unix.MS_PRIVATE) == 0
}

// makeParentPrivate makes the mount containing rootfs private if it is
// shared: pivot_root(2) fails with EINVAL when the parent mount of new_root
// is MS_SHARED, and a shared parent would also propagate the rootfs bind.
func makeParentPrivate(rootfs string, mt *mountTable) error {
	mounts, err := mt.get()
	if err != nil {
		return err
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

// mountTable is /proc/thread-self/mountinfo read at most once per Setup, and only
// by the steps that cannot do without it (makeParentPrivate with shared
// propagation, the cgroup v1 mount). Mounts Setup adds later are all below
// the rootfs; the readers only look at the host's mounts (the rootfs's
// parent, the host cgroup hierarchies), which those cannot change.
type mountTable struct {
	mounts []*mountinfo.Info
	err    error
	read   bool
}

func (t *mountTable) get() ([]*mountinfo.Info, error) {
	if !t.read {
		t.read = true
		t.mounts, t.err = procfs.ThreadMounts()
		if t.err != nil {
			t.err = fmt.Errorf("read mountinfo: %w", t.err)
		}
	}
	return t.mounts, t.err
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
