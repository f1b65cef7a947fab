package rootfs

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountError names the mount the way runc users grep for it.
func mountError(m *specs.Mount, err error) error {
	return fmt.Errorf("mount %s on %s (type %s): %w", m.Source, m.Destination, m.Type, err)
}

// mountFd is mount(2) onto the object behind an O_PATH handle.
func mountFd(source string, target *os.File, fstype string, flags uintptr, data string) error {
	for {
		err := unix.Mount(source, procFdPath(target), fstype, flags, data)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// remountFlagsMask are the flags a MS_BIND|MS_REMOUNT may change.
const remountFlagsMask = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME |
	unix.MS_NOSYMFOLLOW | unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_MANDLOCK |
	unix.MS_LAZYTIME | unix.MS_SILENT

const atimeFlags = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME

// remountBind changes the per-mount flags of the mount h sits on.
//
// In a user namespace the kernel locks nosuid/nodev/noexec/ro/atime flags
// that the mount had when the namespace was created and answers EPERM to a
// remount that would clear them (mount_namespaces(7) "locked mounts"). As
// runc does, retry once keeping whatever such flags the mount already has,
// so "ro" on a nosuid host mount works in rootless containers.
func remountBind(h *os.File, flags uintptr) error {
	fl := unix.MS_BIND | unix.MS_REMOUNT | (flags & remountFlagsMask)
	err := mountFd("", h, "", fl, "")
	if !errors.Is(err, unix.EPERM) {
		return err
	}
	var st unix.Statfs_t
	if serr := unix.Fstatfs(int(h.Fd()), &st); serr != nil {
		return err
	}
	// ST_* values equal the MS_* values for these bits.
	cur := uintptr(st.Flags)
	keep := cur & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if fl&atimeFlags == 0 {
		keep |= cur & (atimeFlags | unix.MS_NODIRATIME)
	}
	if retry := mountFd("", h, "", fl|keep, ""); retry != nil {
		return err
	}
	return nil
}

// applyPropagation sets each requested propagation type on the mount at h.
func applyPropagation(h *os.File, props []uintptr) error {
	for _, p := range props {
		if err := mountFd("", h, "", p, ""); err != nil {
			return fmt.Errorf("set propagation %#x: %w", p, err)
		}
	}
	return nil
}

// applyRecAttrs applies rro/rnosuid/... to the whole mount tree at h with
// mount_setattr(2) AT_RECURSIVE (Linux 5.12); MS_REMOUNT only reaches the top
// mount of an rbind, leaving submounts writable.
func applyRecAttrs(h *os.File, o *mountOpts) error {
	if !o.hasRecAttrs() {
		return nil
	}
	attr := unix.MountAttr{Attr_set: o.attrSet, Attr_clr: o.attrClr}
	if err := unix.MountSetattr(int(h.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("mount_setattr(AT_RECURSIVE) set=%#x clr=%#x: %w", o.attrSet, o.attrClr, err)
	}
	return nil
}

// reopenMounted re-resolves dest after a mount so later operations act on the
// new mount rather than on the directory underneath it, and checks that a
// new mount really sits there (nothing swapped the path in between).
func (s *setupState) reopenMounted(dest string, before *os.File) (*os.File, error) {
	h, err := openInRoot(s.root, dest)
	if err != nil {
		return nil, fmt.Errorf("reopen mountpoint: %w", err)
	}
	oldID, err1 := mountID(before)
	newID, err2 := mountID(h)
	if err := errors.Join(err1, err2); err != nil {
		h.Close()
		return nil, err
	}
	if oldID == newID {
		h.Close()
		return nil, fmt.Errorf("mountpoint %s changed during mount (CVE-2021-30465 race?)", dest)
	}
	return h, nil
}

// finishMount applies what mount(2) itself cannot: the remount for bind
// flags, propagation and recursive attributes.
func (s *setupState) finishMount(m *specs.Mount, dest string, before *os.File, o *mountOpts, remount bool) error {
	if !remount && len(o.propagation) == 0 && !o.hasRecAttrs() {
		return nil
	}
	h, err := s.reopenMounted(dest, before)
	if err != nil {
		return mountError(m, err)
	}
	defer h.Close()
	if remount {
		if err := remountBind(h, o.flags); err != nil {
			return mountError(m, fmt.Errorf("remount with flags %#x: %w", o.flags, err))
		}
	}
	if err := applyPropagation(h, o.propagation); err != nil {
		return mountError(m, err)
	}
	if err := applyRecAttrs(h, o); err != nil {
		return mountError(m, err)
	}
	return nil
}

// bindWithFlags puts a recursive bind of source on target with exactly the
// per-mount flags flags, as a bind followed by MS_BIND|MS_REMOUNT|flags
// would (the remount replaces every per-mount flag), but with the new mount
// API: open_tree clones source, mount_setattr sets the flags on the clone
// while it is detached, move_mount attaches it. Two mount(2) calls through
// /proc/self/fd magic links, a reopen and its close fewer: 5-6 us less per
// cgroup v1 hierarchy here (docs/performance.md, seventh round). It reports
// false, having attached nothing, where the caller must take the classic
// way: flags that mount_setattr has no attribute for, a kernel before 5.12,
// or an error such as EPERM for flags locked in a user namespace, which
// remountBind knows how to keep.
func bindWithFlags(source string, target *os.File, flags uintptr) bool {
	attr, ok := mountAttrOf(flags)
	if !ok || noMountSetattr.Load() {
		return false
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, source, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err == nil {
		err = unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr)
		if err == nil {
			err = unix.MoveMount(tree, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
		}
		unix.Close(tree)
	}
	if errors.Is(err, unix.ENOSYS) {
		noMountSetattr.Store(true)
	}
	return err == nil
}

// noMountSetattr is set once the kernel said ENOSYS to the new mount API.
var noMountSetattr atomic.Bool

// mountAttrOf turns remount flags into the mount_setattr change that leaves
// a mount with exactly those per-mount flags: every attribute set or
// cleared, and the atime mode as the remount would pick it (relatime unless
// noatime or strictatime). ok is false for flags it cannot express
// (sync, dirsync, mand, lazytime).
func mountAttrOf(flags uintptr) (attr unix.MountAttr, ok bool) {
	if flags&(unix.MS_SYNCHRONOUS|unix.MS_DIRSYNC|unix.MS_MANDLOCK|unix.MS_LAZYTIME) != 0 {
		return attr, false
	}
	for _, m := range msToMountAttr {
		if m.ms&atimeFlags != 0 {
			continue // one field, the atime mode: below
		}
		if flags&m.ms != 0 {
			attr.Attr_set |= uint64(m.attr)
		} else {
			attr.Attr_clr |= uint64(m.attr)
		}
	}
	attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
	switch {
	case flags&unix.MS_NOATIME != 0:
		attr.Attr_set |= unix.MOUNT_ATTR_NOATIME
	case flags&unix.MS_STRICTATIME != 0:
		attr.Attr_set |= unix.MOUNT_ATTR_STRICTATIME
	default:
		attr.Attr_set |= unix.MOUNT_ATTR_RELATIME
	}
	return attr, true
}
