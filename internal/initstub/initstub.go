// Package initstub holds hull's init stub: internal/nsenter's C code built
// alone as a small static program (scripts/build.sh compiles it with
// -DHULL_INIT_STUB and builds hull with the hullstub tag, which embeds it).
// A container init whose rootfs the set-up thread builds runs only that C
// code, so hull can start it from a sealed memfd copy of the stub instead
// of a sealed view of hull's own binary (CVE-2019-5736): writing 60 KB to a
// memfd costs less than making and tearing down an overlayfs, and the
// kernel maps a smaller program (internal/process/exe.go). A hull built
// without the stub (plain `go build`) uses the overlay.
package initstub

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrNone means this hull was built without the stub.
var ErrNone = errors.New("hull built without the init stub")

// Available reports whether this hull carries the stub.
func Available() bool { return len(image) > 0 }

// Seals are the seals on the copy: nothing may change its contents, size
// or seals, ever.
const Seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE

// fSealExec (Linux 6.3) also freezes the copy's mode bits.
const fSealExec = 0x20

// Sealed returns a close-on-exec fd of a new sealed memfd holding the stub,
// which can be executed through /proc/self/fd/N and never written.
func Sealed() (int, error) {
	if len(image) == 0 {
		return -1, ErrNone
	}
	// MFD_EXEC (Linux 6.3) asks for an executable memfd where the
	// vm.memfd_noexec sysctl would otherwise make it non-executable;
	// older kernels reject the flag and make every memfd executable.
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("hull-init", flags|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("hull-init", flags)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create for the init stub: %w", err)
	}
	if err := fill(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func fill(fd int) error {
	if !copyFromExe(fd) {
		if err := writeImage(fd); err != nil {
			return err
		}
	}
	// F_SEAL_EXEC first: F_SEAL_SEAL ends all sealing. Kernels before 6.3
	// do not know it; the copy is private to one start anyway.
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, fSealExec)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, Seals); err != nil {
		return fmt.Errorf("seal init stub memfd: %w", err)
	}
	return nil
}

func writeImage(fd int) error {
	for off := 0; off < len(image); {
		n, err := unix.Pwrite(fd, image[off:], int64(off))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write init stub to memfd: %w", err)
		}
		off += n
	}
	return nil
}
