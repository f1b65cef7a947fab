package cgroups

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/fs2"
	"github.com/hull-runtime/hull/internal/rawfile"
	"golang.org/x/sys/unix"
)

// CloneTarget is a Manager whose cgroup a process can be born in: clone3(2)
// with CLONE_INTO_CGROUP (cgroup v2, Linux 5.7). A process born there is
// never in hull's cgroup, not even between fork and Apply, and nothing
// writes its pid to cgroup.procs: that write takes the global
// cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period
// whenever the rwsem was idle (rcu_sync_enter; unless the host mounted
// cgroup2 with favordynmods), about 0.6 ms of wall time per start on the
// 2-vCPU test machine (bpftrace, synchronize_rcu_normal under
// cgroup_procs_write_start).
type CloneTarget interface {
	// CloneDir returns an O_PATH fd of the container's cgroup v2
	// directory, after creating it (and recording it as Apply does) when
	// create is set, or -1 when this host or manager cannot use one (not
	// a pure v2 host, rootless, a directory it cannot open): Apply and
	// Join then write the pid as before.
	CloneDir(create bool) (int, error)
}

// CloneDir implements CloneTarget.
func (m *manager) CloneDir(create bool) (int, error) {
	if m.st.Mode != Unified || m.rootless {
		return -1, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, ok := m.st.Paths["unified"]
	if !ok {
		return -1, nil
	}
	if create {
		if _, err := m.mkdirs(dir); err != nil {
			if unwritable(err) {
				return -1, nil // Apply skips it as before
			}
			return -1, err
		}
		if err := fs2.EnableControllers(mountOf(dir), dir); err != nil {
			return -1, err
		}
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil
	}
	m.cloneDir = dir
	return fd, nil
}

// bornIn reports whether pid was born in dir (see CloneDir): it is there
// already, and Apply or Join need not move it. An error reads as "no".
func (m *manager) bornIn(key string, pid int) bool {
	dir := m.st.Paths[key]
	if key != "unified" || m.cloneDir == "" || m.cloneDir != dir {
		return false
	}
	data, err := rawfile.ReadProc("/proc/"+strconv.Itoa(pid)+"/cgroup", 1024)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Join(mountOf(dir), p) == filepath.Clean(dir)
		}
	}
	return false
}
