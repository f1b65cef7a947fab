package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountTmpcopyup implements the runc/crun "tmpcopyup" extension used by
// podman: the tmpfs starts with a copy of what the image had at dest.
func (s *setupState) mountTmpcopyup(m *specs.Mount, dest string, h *os.File, flags uintptr, o *mountOpts) error {
	oldDir, err := reopenDir(h)
	if err != nil {
		return mountError(m, fmt.Errorf("open %s for tmpcopyup: %w", dest, err))
	}
	defer oldDir.Close()
	// Mount writable so the copy can be made, then remount with the
	// requested flags.
	if err := mountFd(m.Source, h, m.Type, flags&^unix.MS_RDONLY, o.dataString()); err != nil {
		return mountError(m, err)
	}
	nh, err := s.reopenMounted(dest, h)
	if err != nil {
		return mountError(m, err)
	}
	defer nh.Close()
	newDir, err := reopenDir(nh)
	if err != nil {
		return mountError(m, fmt.Errorf("open new tmpfs: %w", err))
	}
	defer newDir.Close()
	if err := copyTree(oldDir, newDir); err != nil {
		return mountError(m, fmt.Errorf("tmpcopyup: %w", err))
	}
	if flags&unix.MS_RDONLY != 0 {
		if err := remountBind(nh, flags); err != nil {
			return mountError(m, fmt.Errorf("remount ro: %w", err))
		}
	}
	return s.finishMount(m, dest, h, o, false)
}

// reopenDir turns an O_PATH directory handle into a readable one by
// opening "." relative to it: the same directory on the same mount, with no
// path and no /proc magic link involved (pathrs.Reopen goes through its
// private procfs).
func reopenDir(h *os.File) (*os.File, error) {
	return openDirAt(int(h.Fd()), ".")
}

// copyTree copies the contents of src into dst using only *at calls with
// O_NOFOLLOW, so symlinks in the image are copied, never followed.
func copyTree(src, dst *os.File) error {
	entries, err := src.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("read dir: %w", err)
	}
	sfd, dfd := int(src.Fd()), int(dst.Fd())
	for _, e := range entries {
		name := e.Name()
		var st unix.Stat_t
		if err := unix.Fstatat(sfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("stat %s: %w", name, err)
		}
		perm := st.Mode & 0o7777
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			err = copyDir(sfd, dfd, name, perm)
		case unix.S_IFREG:
			err = copyFile(sfd, dfd, name, perm)
		case unix.S_IFLNK:
			var target string
			if target, err = readlinkat(sfd, name); err == nil {
				err = unix.Symlinkat(target, dfd, name)
			}
		default:
			err = unix.Mknodat(dfd, name, st.Mode, int(st.Rdev))
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", name, err)
		}
		if err := unix.Fchownat(dfd, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", name, err)
		}
	}
	return nil
}

func copyDir(sfd, dfd int, name string, perm uint32) error {
	if err := unix.Mkdirat(dfd, name, perm); err != nil {
		return err
	}
	s, err := openDirAt(sfd, name)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := openDirAt(dfd, name)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Fchmod(int(d.Fd()), perm); err != nil {
		return err
	}
	return copyTree(s, d)
}

func openDirAt(dirfd int, name string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

func copyFile(sfd, dfd int, name string, perm uint32) error {
	in, err := unix.Openat(sfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	inF := os.NewFile(uintptr(in), name)
	defer inF.Close()
	out, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
	if err != nil {
		return err
	}
	outF := os.NewFile(uintptr(out), name)
	_, err = io.Copy(outF, inF)
	if err2 := unix.Fchmod(out, perm); err == nil {
		err = err2
	}
	if err2 := outF.Close(); err == nil {
		err = err2
	}
	return err
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	if n == len(buf) {
		return "", errors.New("symlink target too long")
	}
	return string(buf[:n]), nil
}
