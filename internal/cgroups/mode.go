// Package cgroups is hull's cgroupfs driver: it decides where a container's
// cgroups live on this host (v1, v2 or hybrid), creates them, places
// processes in them, and removes exactly what it created. The per-version
// file formats live in fs1 and fs2.
package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mode is the host's cgroup layout.
type Mode string

const (
	// Unified: /sys/fs/cgroup is a cgroup2 mount (pure v2).
	Unified Mode = "unified"
	// Legacy: v1 hierarchies only.
	Legacy Mode = "legacy"
	// Hybrid: v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified
	// that holds no (or few) controllers, as systemd sets up.
	Hybrid Mode = "hybrid"
)

const cgroupRoot = "/sys/fs/cgroup"

// ErrNoHierarchy means a cgroup directory is not on a cgroup filesystem (the
// hierarchy is not mounted there).
var ErrNoHierarchy = errors.New("cgroup hierarchy not mounted")

// DetectMode inspects /sys/fs/cgroup.
func DetectMode() (Mode, error) {
	return detectMode(cgroupRoot)
}

func detectMode(root string) (Mode, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return "", fmt.Errorf("statfs %s: %w", root, err)
	}
	switch int64(st.Type) {
	case unix.CGROUP2_SUPER_MAGIC:
		return Unified, nil
	case unix.CGROUP_SUPER_MAGIC:
		// A lone v1 hierarchy mounted straight at the root.
		return Legacy, nil
	case unix.TMPFS_MAGIC:
		if fsType(filepath.Join(root, "unified")) == unix.CGROUP2_SUPER_MAGIC {
			return Hybrid, nil
		}
		return Legacy, nil
	}
	return "", fmt.Errorf("%s: unexpected filesystem type 0x%x (neither cgroup2 nor tmpfs)", root, st.Type)
}

// fsType is statfs(p).f_type, or 0 when p cannot be inspected.
func fsType(p string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return 0
	}
	return int64(st.Type)
}

const (
	cgroupSuperMagic  = unix.CGROUP_SUPER_MAGIC
	cgroup2SuperMagic = unix.CGROUP2_SUPER_MAGIC
)

func isCgroupFS(p string) bool {
	t := fsType(p)
	return t == unix.CGROUP_SUPER_MAGIC || t == unix.CGROUP2_SUPER_MAGIC
}

// FreezerAvailable reports whether /sys/fs/cgroup/freezer is a v1 cgroup
// mount. Some sandboxes (and some container setups) put a tmpfs or an empty
// directory there; writing freezer.state into that would "pause" nothing.
func FreezerAvailable() bool {
	return fsType(filepath.Join(cgroupRoot, "freezer")) == unix.CGROUP_SUPER_MAGIC
}
