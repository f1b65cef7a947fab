// Package rootfs builds the container's filesystem view from an OCI spec.
//
// It runs in the container's init process, inside the container's fresh mount
// namespace, in three steps that bracket the OCI hooks:
//
//	Setup    before createContainer hooks: root propagation, rootfs bind,
//	         every spec mount, /dev population
//	Pivot    pivot_root (or MS_MOVE+chroot with --no-pivot)
//	Finalize after pivot: /dev and / read-only, readonlyPaths, maskedPaths
//
// Every path inside the rootfs is resolved through file descriptors scoped to
// the rootfs (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS on the rootfs
// handle, filepath-securejoin's pathrs-lite where openat2 is missing; see
// resolve.go) and mounts target /proc/self/fd/N of the resolved O_PATH
// handle, so a symlink planted in the image can never redirect a mount, mknod or
// chown to the host (CVE-2021-30465 and friends).
package rootfs
