package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/initstub"
)

// CVE-2019-5736: a container's init is hull re-executed (the nsenter
// constructor must run before the Go runtime), so until it execs the user's
// program its /proc/<pid>/exe is the host's hull binary. A process in the
// container that gets an fd of it (by racing /proc/<pid>/exe, or by making
// the init execve "#!/proc/self/exe") can wait for hull to exit and then
// reopen the fd for writing through /proc/self/fd/N: the host's next `hull`
// run is the attacker's code. Non-dumpable (nsenter.c) closes the /proc race
// but not the shebang trick, so the init must be started from a file that
// no one can open for writing.
//
// SealedExe returns such a file without copying the binary: an overlayfs
// made with fsopen(2), whose only layers are the binary's directory and an
// empty detached tmpfs and which has no upper layer. A lower-only overlay
// cannot be written at all, and unlike a read-only bind mount it cannot be
// remounted read-write (a privileged container could otherwise flip
// MOUNT_ATTR_RDONLY on the detached mount). Nothing is attached to any mount
// table, so there is nothing to clean up, and the mount goes away with its
// last reference (the init's exe, replaced at execve of the user's program).
// Making it costs about 0.4 ms per start (BenchmarkSealedExeOverlay, Linux
// 6.18, 2 vCPUs); releasing it waits for an RCU grace period, which happens
// after cmd.Start, off the path to Ready.
//
// An init that only the C constructor runs (the set-up thread's, and a
// `hull exec` it finishes alone) starts instead from a sealed memfd copy of
// the 60 KB init stub (internal/initstub, StubBinary below): cheaper than
// the overlay (bench/ab.py: `run` -2 % CPU), and its exe is no view of the
// host's binary at all.
//
// Where overlayfs cannot be made (no CAP_SYS_ADMIN over the mount namespace,
// as for rootless hull outside a user namespace; kernels before 6.x that do
// not take a detached mount as a layer; a binary that was replaced on disk
// while hull runs), it falls back to a sealed memfd copy: one copy of the
// binary per start (2.5 ms and 8 MB of memory for the 8 MB hull binary),
// writes refused by F_SEAL_WRITE.

// Method names say how the sealed exe was made.
const (
	MethodOverlay = "overlayfs"
	MethodMemfd   = "memfd"
)

// SealedExe returns an O_CLOEXEC handle to the running hull binary that can
// be executed (through /proc/self/fd/N) but never opened for writing, and
// the method used.
func SealedExe() (*os.File, string, error) {
	return sealedExe(false, "")
}

// sealedExe makes the sealed handle. lowerDir, when set, is an empty
// directory hull owns, used as the overlay's second layer; without it a
// detached tmpfs is, which overlayfs accepts as a layer only from Linux 6.15
// (earlier kernels log "failed to clone lowerpath" and hull falls back to a
// memfd copy).
func sealedExe(forceMemfd bool, lowerDir string) (*os.File, string, error) {
	oerr := errors.New("not tried")
	if !forceMemfd {
		f, err := overlayExe(lowerDir)
		if err == nil {
			return f, MethodOverlay, nil
		}
		oerr = err
	}
	f, merr := memfdExe()
	if merr != nil {
		return nil, "", fmt.Errorf("seal hull binary: overlayfs: %v; memfd: %w", oerr, merr)
	}
	return f, MethodMemfd, nil
}

// InitBinary returns a path to exec the container's init from (for
// exec.Cmd.Path) and a cleanup that releases it after cmd.Start.
//
// The path is /proc/self/fd/N of the sealed exe. os/exec shuffles
// ExtraFiles in the child with dup2 before execve: it writes fds
// 0..len(files)-1 and, for files that must move up, len(files) onward (at
// most 2*len(files)+1). N is therefore the lowest free fd above that, for a
// child with nfiles files (stdio included). Not higher: growing the file
// table of a multi-threaded process past its first 64 slots makes the
// kernel wait for an RCU grace period (about 10 ms, measured here with
// strace), which was most of hull's start latency.
func InitBinary(nfiles int, lowerDir string) (path string, cleanup func(), err error) {
	f, _, err := sealedExe(false, lowerDir)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	floor := 2*nfiles + 3
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, floor)
	if err != nil {
		return "", nil, fmt.Errorf("move sealed hull binary to fd >= %d: %w", floor, err)
	}
	high := os.NewFile(uintptr(fd), "sealed-hull")
	return "/proc/self/fd/" + strconv.Itoa(fd), func() { high.Close() }, nil
}

// StubBinary is InitBinary for an init that the C constructor finishes
// alone (the set-up thread's, which never reaches the Go runtime): a sealed
// memfd copy of the init stub (internal/initstub), or InitBinary's sealed
// hull where this hull has no stub or the memfd cannot be made (a
// vm.memfd_noexec of 2 refuses executable memfds).
func StubBinary(nfiles int, lowerDir string) (path string, cleanup func(), err error) {
	fd, serr := initstub.Sealed()
	if serr != nil {
		return InitBinary(nfiles, lowerDir)
	}
	defer unix.Close(fd)
	floor := 2*nfiles + 3
	high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, floor)
	if err != nil {
		return "", nil, fmt.Errorf("move init stub to fd >= %d: %w", floor, err)
	}
	return "/proc/self/fd/" + strconv.Itoa(high), func() { unix.Close(high) }, nil
}

// FdSafe reports whether fd survives os/exec's fd shuffle for a child with
// nfiles files (stdio included): see InitBinary.
func FdSafe(fd, nfiles int) bool { return fd > 2*nfiles+2 }

// FdOfPath returns N of a /proc/self/fd/N path, or -1.
func FdOfPath(p string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(p, "/proc/self/fd/"))
	if err != nil || !strings.HasPrefix(p, "/proc/self/fd/") {
		return -1
	}
	return n
}

// overlayExe opens the binary through a lower-only overlayfs.
func overlayExe(lowerDir string) (_ *os.File, retErr error) {
	bin, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("readlink /proc/self/exe: %w", err)
	}
	if strings.HasSuffix(bin, " (deleted)") || !filepath.IsAbs(bin) {
		return nil, fmt.Errorf("hull binary %q is not on disk", bin)
	}
	dir, name := filepath.Split(bin)
	// A lower-only overlay needs two layers. The second one is never
	// looked at (the binary's own directory is the top layer), but it must
	// not overlap the first: a directory of hull's own, or else an empty
	// read-only tmpfs that exists only as this fd.
	empt := ""
	if lowerDir != "" && !strings.HasPrefix(dir, lowerDir) && !strings.HasPrefix(lowerDir, dir) {
		if err := os.MkdirAll(lowerDir, 0o700); err == nil {
			empt = lowerDir
		}
	}
	if empt == "" {
		empty, err := detachedMount("tmpfs", nil)
		if err != nil {
			return nil, err
		}
		defer unix.Close(empty)
		empt = "/proc/self/fd/" + strconv.Itoa(empty)
	}
	ovl, err := detachedMount("overlay", func(ctx int) error {
		// "lowerdir+" (Linux 6.5) takes one layer per call, so no
		// escaping of ':' in the binary's path is needed; older kernels
		// take the classic colon-separated list.
		if err := unix.FsconfigSetString(ctx, "lowerdir+", dir); err != nil {
			esc := strings.NewReplacer(`\`, `\\`, `:`, `\:`, `,`, `\,`)
			if err2 := unix.FsconfigSetString(ctx, "lowerdir", esc.Replace(filepath.Clean(dir))+":"+esc.Replace(empt)); err2 != nil {
				return fmt.Errorf("overlayfs lowerdir=%s: %w", dir, err2)
			}
			_ = unix.FsconfigSetString(ctx, "xino", "off")
			return nil
		}
		if err := unix.FsconfigSetString(ctx, "lowerdir+", empt); err != nil {
			return fmt.Errorf("overlayfs lowerdir+=%s: %w", empt, err)
		}
		// xino is irrelevant here and would log to dmesg when the
		// layers are on different filesystems.
		_ = unix.FsconfigSetString(ctx, "xino", "off")
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer unix.Close(ovl)
	fd, err := unix.Openat(ovl, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s through overlayfs: %w", name, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, fmt.Errorf("%s through overlayfs is not a regular file", name)
	}
	return os.NewFile(uintptr(fd), "sealed:"+bin), nil
}

// detachedMount creates a read-only, nosuid, nodev mount of fstype that is
// attached nowhere and returns its fd.
func detachedMount(fstype string, configure func(ctx int) error) (int, error) {
	ctx, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen %s: %w", fstype, err)
	}
	defer unix.Close(ctx)
	if configure != nil {
		if err := configure(ctx); err != nil {
			return -1, err
		}
	}
	if err := unix.FsconfigCreate(ctx); err != nil {
		return -1, fmt.Errorf("fsconfig create %s: %w", fstype, err)
	}
	m, err := unix.Fsmount(ctx, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return -1, fmt.Errorf("fsmount %s: %w", fstype, err)
	}
	return m, nil
}

// mfdExec is MFD_EXEC (Linux 6.3): with vm.memfd_noexec=1 a memfd is
// otherwise created non-executable.
const mfdExec = 0x10

// memfdExe copies the binary into a memfd and seals it against writes.
func memfdExe() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("open /proc/self/exe: %w", err)
	}
	defer src.Close()
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("hull-sealed-exe", flags|mfdExec)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate("hull-sealed-exe", flags)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "sealed-memfd:/proc/self/exe")
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy hull binary into memfd: %w", err)
	}
	defer f.Close()
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	// execve refuses (ETXTBSY) a file that has a writable open file, and
	// memfd_create returns one: keep only a read-only reopening.
	ro, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reopen sealed memfd read-only: %w", err)
	}
	return ro, nil
}
