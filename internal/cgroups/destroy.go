package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

// Destroy removes exactly State.Created, children first. The container's own
// cgroup directories (the State.Paths values) are removed with any
// sub-cgroups the container made inside them; a created parent that still
// has other children (another container under the same parent) is kept
// silently. Directories that could not be removed stay in State.Created so a
// later Destroy can retry.
func (m *manager) Destroy() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	leaves := map[string]bool{}
	for _, p := range m.st.Paths {
		leaves[p] = true
	}
	var errs []error
	keep := map[string]bool{}
	for i := len(m.st.Created) - 1; i >= 0; i-- {
		d := m.st.Created[i]
		var err error
		if leaves[d] {
			err = removeTree(d)
		} else {
			err = removeParent(d)
			if errors.Is(err, errInUse) {
				keep[d] = true
				continue
			}
		}
		if err != nil {
			errs = append(errs, err)
			keep[d] = true
		}
	}
	var left []string
	for _, d := range m.st.Created {
		if keep[d] {
			left = append(left, d)
		}
	}
	m.st.Created = left
	if len(errs) > 0 {
		return fmt.Errorf("destroy cgroups: %w", errors.Join(errs...))
	}
	return nil
}

var errInUse = errors.New("cgroup has other children")

// removeParent removes a created intermediate dir unless other cgroups live
// under it.
func removeParent(d string) error {
	if _, err := os.Lstat(d); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if !isCgroupFS(d) {
		return fmt.Errorf("remove %s: not on a cgroup filesystem", d)
	}
	ents, err := os.ReadDir(d)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read %s: %w", d, err)
	}
	for _, e := range ents {
		if e.IsDir() {
			return errInUse
		}
	}
	return rmdirRetry(d)
}

// removeTree removes d and the cgroups below it, deepest first. It refuses
// to recurse outside cgroupfs: on a normal filesystem rmdir of empty
// directories could destroy real data named by a corrupted state.
//
// The common case (a leaf cgroup whose tasks are gone) is one statfs and
// one rmdir; only an rmdir that fails with EBUSY (sub-cgroups, or tasks
// still being released) lists the directory. That saves the lstat, open,
// getdents and close per hierarchy that listing first cost (10
// hierarchies on a v1 host).
func removeTree(d string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(d, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("statfs %s: %w", d, err)
	}
	if t := int64(st.Type); t != cgroupSuperMagic && t != cgroup2SuperMagic {
		return fmt.Errorf("remove %s: not on a cgroup filesystem", d)
	}
	err := cgfile.Rmdir(d)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("rmdir %s: %w", d, err)
	}
	ents, err := os.ReadDir(d)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", d, err)
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeTree(filepath.Join(d, e.Name())); err != nil {
				return err
			}
		}
	}
	return rmdirRetry(d)
}

// rmdirRetry retries EBUSY for a short while: right after the last task of a
// cgroup exits the kernel may still count it (zombie not yet reaped, or v1
// css refcounts dropping asynchronously).
func rmdirRetry(d string) error {
	delay := 5 * time.Millisecond
	var err error
	for i := 0; i < 8; i++ {
		err = cgfile.Rmdir(d)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		// Live tasks are not transient: fail now instead of after the
		// retries, and say why.
		if pids, perr := cgfile.ReadProcs(d); perr == nil && len(pids) > 0 {
			return fmt.Errorf("rmdir %s: cgroup still has %d processes: %w", d, len(pids), err)
		}
		time.Sleep(delay)
		delay *= 2
	}
	return fmt.Errorf("rmdir %s: %w", d, err)
}
