package cgfile

import (
	"io/fs"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/rawfile"
)

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup/"

// root is an O_PATH descriptor of /sys/fs/cgroup, opened once per process.
//
// Why: every lookup of a path through /sys takes the read side of sysfs's
// kernfs rwsem (kernfs_dop_revalidate; kernfs has no RCU path walk), and
// every network namespace being made or torn down takes its write side to
// add or remove its loopback device's sysfs entries, under the RTNL lock.
// A create reaches some fifty cgroup files and directories; twenty creates
// at once each waited about 7 ms on that rwsem (off-CPU stacks,
// docs/performance.md item 43), crun, which works from directory fds, 3.
// Relative to this descriptor a lookup starts below /sys.
var root struct {
	once sync.Once
	fd   int
}

// At splits p for the *at(2) calls: (descriptor of /sys/fs/cgroup, path
// below it) for paths there, else (AT_FDCWD, p).
func At(p string) (int, string) {
	rel, ok := strings.CutPrefix(p, cgroupRoot)
	if !ok || rel == "" {
		return unix.AT_FDCWD, p
	}
	root.once.Do(func() {
		fd, err := unix.Open(cgroupRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			fd = -1
		}
		root.fd = fd
	})
	if root.fd < 0 {
		return unix.AT_FDCWD, p
	}
	return root.fd, rel
}

func open(p string, flags int) (*rawfile.FD, error) {
	dirfd, rel := At(p)
	return rawfile.OpenAt(dirfd, rel, p, flags, 0)
}

// Mkdir makes directory p (mode 0755), as os.Mkdir does.
func Mkdir(p string) error {
	dirfd, rel := At(p)
	for {
		err := unix.Mkdirat(dirfd, rel, 0o755)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "mkdir", Path: p, Err: err}
		}
		return nil
	}
}

// Lexists reports whether p exists, without following a final symlink.
func Lexists(p string) bool {
	dirfd, rel := At(p)
	var st unix.Stat_t
	return unix.Fstatat(dirfd, rel, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
}

// Rmdir removes the empty directory p (a cgroup), as rmdir(2).
func Rmdir(p string) error {
	dirfd, rel := At(p)
	for {
		err := unix.Unlinkat(dirfd, rel, unix.AT_REMOVEDIR)
		if err != unix.EINTR {
			return err
		}
	}
}
