package rootfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestMountAttrOf: the mount_setattr change leaves exactly the per-mount
// flags a MS_BIND|MS_REMOUNT with the same flags would (every attribute
// set or cleared, relatime unless noatime or strictatime), and flags it has
// no attribute for send the caller the classic way.
func TestMountAttrOf(t *testing.T) {
	all := uint64(unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
		unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW)
	for _, tc := range []struct {
		name  string
		flags uintptr
		set   uint64
		ok    bool
	}{
		{"podman's cgroup mount", unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME,
			unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_RELATIME, true},
		{"ro alone: relatime, the rest cleared", unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_RELATIME, true},
		{"noatime", unix.MS_NOATIME | unix.MS_NODIRATIME, unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NODIRATIME, true},
		{"strictatime", unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_STRICTATIME | unix.MOUNT_ATTR_NOSYMFOLLOW, true},
		{"sync has no attribute", unix.MS_RDONLY | unix.MS_SYNCHRONOUS, 0, false},
		{"lazytime has no attribute", unix.MS_LAZYTIME, 0, false},
	} {
		attr, ok := mountAttrOf(tc.flags)
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if attr.Attr_set != tc.set {
			t.Errorf("%s: set = %#x, want %#x", tc.name, attr.Attr_set, tc.set)
		}
		if want := all&^tc.set | unix.MOUNT_ATTR__ATIME; attr.Attr_clr != want {
			t.Errorf("%s: clr = %#x, want %#x", tc.name, attr.Attr_clr, want)
		}
	}
}
