package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// In-root lookups with openat2(2) (Linux 5.6) straight on the rootfs handle.
//
// RESOLVE_IN_ROOT makes the kernel treat the handle as "/" for the whole
// walk: absolute symlinks restart at it and ".." stops at it. When a ".."
// is walked while a rename or mount changed anything in the namespace, the
// kernel cannot prove the walk stayed inside and fails with EAGAIN instead
// (fs/namei.c, rename_lock/mount_lock sequence checks), so a handle that
// openat2 returns was inside the root when it was looked up. That is the
// guarantee filepath-securejoin's pathrs-lite also relies on; it then
// re-checks every result by readlink of /proc/self/fd/N through a private
// procfs instance, which cost about 1 ms per container init
// (docs/performance.md hot spot 3). checkUnder keeps a cheaper form of that
// check where a handle becomes a mount target.
//
// RESOLVE_NO_MAGICLINKS refuses /proc/<pid>/fd/N-style links met during the
// walk: they jump to any object whatever the root is (a rootfs whose /proc
// is already mounted could otherwise lead a lookup back to the host, the
// CVE-2019-5736 / CVE-2024-21626 family).
//
// pathrs-lite remains the fallback where openat2 answers ENOSYS (old
// kernels, or a seccomp filter that hides it).
const inRootResolve = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// newComponentResolve re-opens a directory just created (or found) by
// mkdirat: exactly one component below its parent, never a symlink (not
// even one pointing inside the root) and never a mount someone slipped on
// top of it in the meantime. RESOLVE_NO_SYMLINKS covers the last component
// too and answers ELOOP (O_NOFOLLOW with O_DIRECTORY would say ENOTDIR).
const newComponentResolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS |
	unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openat2Retries bounds the EAGAIN retries. A concurrent rename storm in
// the rootfs could otherwise keep us looping; failing is the safe answer.
const openat2Retries = 128

// noOpenat2 is set once openat2 answered ENOSYS; from then on every lookup
// goes through pathrs-lite.
var noOpenat2 atomic.Bool

// openat2 is openat2(2) with O_CLOEXEC, retried on EINTR and EAGAIN.
func openat2(dirfd int, p string, flags, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolve}
	var err error
	for range openat2Retries {
		var fd int
		fd, err = unix.Openat2(dirfd, p, &how)
		if err == nil {
			return fd, nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.ENOSYS) {
		noOpenat2.Store(true)
	}
	return -1, err
}

// relPath turns a clean absolute container path into the relative form
// openat2 is given ("." for the root itself).
func relPath(p string) string {
	if r := strings.TrimLeft(p, "/"); r != "" {
		return r
	}
	return "."
}

// openat2InRoot resolves the clean absolute path p inside root and returns
// an O_PATH handle (O_PATH|extra).
func openat2InRoot(root *os.File, p string, extra uint64) (*os.File, error) {
	fd, err := openat2(int(root.Fd()), relPath(p), unix.O_PATH|extra, inRootResolve)
	if err != nil {
		return nil, &os.PathError{Op: "openat2 in root", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}

// mkdirAllAt2 is mkdir -p of the clean absolute path p inside root,
// race-safe: every directory is created with mkdirat relative to a handle of
// its parent and re-opened through that same handle, so no path string is
// ever resolved twice. Returns an O_PATH handle of the final directory.
func mkdirAllAt2(root *os.File, p string) (*os.File, error) {
	// Fast path: the directory exists, as /proc, /dev, /sys usually do.
	h, err := openat2InRoot(root, p, unix.O_DIRECTORY)
	if err == nil || !errors.Is(err, unix.ENOENT) {
		return h, err
	}
	parts := strings.Split(relPath(p), "/")
	// The deepest ancestor that exists, searched from the leaf up: usually
	// only the last component or two are missing.
	n := len(parts) - 1
	var dir *os.File
	for ; n > 0; n-- {
		dir, err = openat2InRoot(root, "/"+strings.Join(parts[:n], "/"), unix.O_DIRECTORY)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.ENOENT) {
			return nil, err
		}
	}
	if n == 0 {
		if dir, err = openat2InRoot(root, "/", unix.O_DIRECTORY); err != nil {
			return nil, err
		}
	}
	for _, part := range parts[n:] {
		next, err := mkdirOneAt2(dir, part)
		dir.Close()
		if err != nil {
			return nil, err
		}
		dir = next
	}
	return dir, nil
}

// mkdirOneAt2 creates dir/name (EEXIST is fine: a concurrent mkdir, or the
// lookup above met a dangling symlink) and opens it without following
// anything. A symlink in its place, dangling or not, is refused with ELOOP:
// following it is exactly what a planted link wants (CVE-2021-30465).
func mkdirOneAt2(dir *os.File, name string) (*os.File, error) {
	p := dir.Name() + "/" + name
	if dir.Name() == "/" {
		p = "/" + name
	}
	if err := unix.Mkdirat(int(dir.Fd()), name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, &os.PathError{Op: "mkdirat", Path: p, Err: err}
	}
	fd, err := openat2(int(dir.Fd()), name, unix.O_PATH|unix.O_DIRECTORY, newComponentResolve)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("%s is a symlink, refusing to create directories through it: %w", p, err)
		}
		return nil, &os.PathError{Op: "open new directory", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}
