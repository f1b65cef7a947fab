// Package console implements runc's terminal handling: creating a pty inside
// the container, handing its master to whoever listens on --console-socket,
// and, for attached `hull run`, relaying the master to the caller's terminal.
package console

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// OpenPty opens a new pty master through ptmx (normally /dev/ptmx inside the
// container, which points at its own devpts instance), unlocks it and returns
// it with the path of its slave. The slave is named from TIOCGPTN, not from
// ptsname(3), which would need libc.
func OpenPty(ptmx string) (master *os.File, slavePath string, err error) {
	// O_NOCTTY: the runtime must not acquire the master as its own ctty.
	fd, err := unix.Open(ptmx, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", ptmx, err)
	}
	master = os.NewFile(uintptr(fd), ptmx)
	defer func() {
		if err != nil {
			master.Close()
		}
	}()
	// unlockpt(3): new slaves start locked (TIOCSPTLCK with a non-zero arg).
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, "", fmt.Errorf("unlockpt %s: %w", ptmx, err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return nil, "", fmt.Errorf("ptsname %s: %w", ptmx, err)
	}
	return master, filepath.Join(ptsDir(ptmx), strconv.FormatUint(uint64(n), 10)), nil
}

// ptsDir is the devpts directory the slaves of ptmx live in: /dev/pts for
// /dev/ptmx (a node or a symlink to pts/ptmx), DIR for DIR/ptmx when DIR is a
// devpts mount named "pts".
func ptsDir(ptmx string) string {
	dir := filepath.Dir(ptmx)
	if filepath.Base(dir) == "pts" {
		return dir
	}
	return filepath.Join(dir, "pts")
}

// SetupSlave makes slavePath the calling process's controlling terminal and
// its stdin, stdout and stderr, as the container's init (or exec'd process)
// needs right before execve.
func SetupSlave(slavePath string) error {
	fd, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open console %s: %w", slavePath, err)
	}
	return setupSlaveFd(fd, slavePath)
}

// OpenPeer opens the slave of master with TIOCGPTPEER: no path lookup in a
// /dev/pts the container controls (CVE-2025-52565).
func OpenPeer(master *os.File) (*os.File, error) {
	// TIOCGPTPEER is _IO('T', 0x41), Linux 4.13+; x/sys/unix lacks it.
	const tiocgptpeer = 0x5441
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, master.Fd(), tiocgptpeer, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		return nil, fmt.Errorf("ioctl(TIOCGPTPEER): %w", errno)
	}
	fd := int(r)
	return os.NewFile(uintptr(fd), "pty-slave"), nil
}

// SetupSlaveFile is SetupSlave for an already open slave; it takes
// ownership of f.
func SetupSlaveFile(f *os.File) error {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return fmt.Errorf("dup console: %w", err)
	}
	unix.CloseOnExec(fd)
	return setupSlaveFd(fd, "console")
}

func setupSlaveFd(fd int, slavePath string) error {
	closeFd := true
	defer func() {
		if closeFd {
			unix.Close(fd)
		}
	}()
	// A terminal can only become the ctty of a session leader without one.
	// setsid fails with EPERM when we already lead a process group; that is
	// fine only if we are already the leader of our own session.
	if _, err := unix.Setsid(); err != nil {
		sid, gerr := unix.Getsid(0)
		if !errors.Is(err, unix.EPERM) || gerr != nil || sid != unix.Getpid() {
			return fmt.Errorf("setsid: %w", err)
		}
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("ioctl(TIOCSCTTY) %s: %w", slavePath, err)
	}
	for target := 0; target <= 2; target++ {
		if fd == target {
			// dup3 refuses equal fds; just make it survive execve.
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
				return fmt.Errorf("clear FD_CLOEXEC on %d: %w", fd, err)
			}
			closeFd = false
			continue
		}
		if err := unix.Dup3(fd, target, 0); err != nil {
			return fmt.Errorf("dup3 %s onto fd %d: %w", slavePath, target, err)
		}
	}
	return nil
}
