// Package cgfile holds the few file helpers shared by the v1 and v2 cgroup
// drivers: cgroupfs control files are written whole, never created, and
// never followed through symlinks.
package cgfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
	"golang.org/x/sys/unix"
)

// ErrBadName is returned for control file names that could escape the
// cgroup directory (they come from user input such as linux.resources.unified).
var ErrBadName = errors.New("invalid cgroup file name")

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// Write writes value to dir/name. The file is not created: on cgroupfs a
// missing file means the controller is not enabled, which must be an error
// rather than a silently created regular file. O_NOFOLLOW keeps a planted
// symlink from redirecting the write to a host file.
//
// rawfile, not os.File: an os.File registers every open file with the
// runtime's poller (an epoll_ctl that kernfs files refuse) and a run writes
// some forty control files.
func Write(dir, name, value string) error {
	if err := checkName(name); err != nil {
		return err
	}
	f, err := open(filepath.Join(dir, name), unix.O_WRONLY|unix.O_TRUNC|unix.O_NOFOLLOW)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(value)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("value %q: %w", value, werr)
	}
	return cerr
}

// Open opens dir/name for writing (not created, not followed, not
// truncated) for callers that write several values in a row, each write(2)
// being one value to the kernel (devices.allow rules).
func Open(dir, name string) (*rawfile.FD, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return open(filepath.Join(dir, name), unix.O_WRONLY|unix.O_NOFOLLOW)
}

// Read returns dir/name with surrounding whitespace trimmed.
func Read(dir, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	f, err := open(filepath.Join(dir, name), unix.O_RDONLY|unix.O_NOFOLLOW)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := f.ReadAll(512)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// Exists reports whether dir/name exists (without following a final symlink).
func Exists(dir, name string) bool {
	if checkName(name) != nil {
		return false
	}
	return Lexists(filepath.Join(dir, name))
}

// ReadProcs returns the pids listed in dir/cgroup.procs.
func ReadProcs(dir string) ([]int, error) {
	s, err := Read(dir, "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, l := range strings.Fields(s) {
		pid, err := strconv.Atoi(l)
		if err != nil {
			return nil, fmt.Errorf("parse pid %q in %s/cgroup.procs: %w", l, dir, err)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// ReadAllProcs returns the pids of dir and of every descendant cgroup (a
// container may create its own sub-cgroups; kill --all must reach them too),
// sorted and without duplicates.
func ReadAllProcs(dir string) ([]int, error) {
	seen := map[int]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			// A sub-cgroup removed while walking is not an error.
			if errors.Is(err, os.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		pids, err := ReadProcs(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		for _, pid := range pids {
			seen[pid] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pids under %s: %w", dir, err)
	}
	out := make([]int, 0, len(seen))
	for pid := range seen {
		out = append(out, pid)
	}
	sort.Ints(out)
	return out, nil
}
