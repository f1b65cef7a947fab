package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/cgroups/fs1"
	"github.com/hull-runtime/hull/internal/cgroups/fs2"
	"golang.org/x/sys/unix"
)

// Apply creates the missing directories of every hierarchy (recording each
// one in State.Created before anything else can fail, so Destroy can undo a
// half-done Apply) and writes pid into each cgroup.procs.
func (m *manager) Apply(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("apply cgroups: invalid pid %d", pid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range m.sortedKeys() {
		if err := m.applyOne(key, pid); err != nil {
			return fmt.Errorf("apply cgroup %s: %w", key, err)
		}
	}
	return nil
}

// Join puts pid (an exec'd process) into the container's cgroups. Unlike
// Apply it creates and initialises nothing: the container's dirs exist, and a
// missing one is an error, as it is for runc. Hierarchies a rootless
// container could not use are skipped as Apply skipped them.
func (m *manager) Join(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("join cgroups: invalid pid %d", pid)
	}
	return m.joinAll("cgroup.procs", pid, func(key string) bool { return m.bornIn(key, pid) })
}

// JoinThread puts one thread (tid) of this process into the container's
// cgroup v1 hierarchies, through their "tasks" files: processes it forks
// then start there, as a child of the container's init would. cgroup v2
// moves threads only within threaded subtrees, so the unified hierarchy is
// left alone (a child is born in it with CloneTarget instead).
func (m *manager) JoinThread(tid int) error {
	if tid <= 0 {
		return fmt.Errorf("join cgroups: invalid thread id %d", tid)
	}
	return m.joinAll("tasks", tid, func(key string) bool { return key == "unified" })
}

// joinAll writes id to file in every hierarchy but those skip names,
// tolerating what Apply tolerated (see Join).
func (m *manager) joinAll(file string, id int, skip func(key string) bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := strconv.Itoa(id)
	for _, key := range m.sortedKeys() {
		if skip(key) {
			continue
		}
		err := cgfile.Write(m.st.Paths[key], file, v)
		if err != nil && !(m.rootless && skippable(err)) && !unwritable(err) {
			return fmt.Errorf("join cgroup %s (%s %d): %w", key, file, id, err)
		}
	}
	return nil
}

// ThreadJoiner is a Manager that can move a single thread (JoinThread).
type ThreadJoiner interface {
	JoinThread(tid int) error
}

func (m *manager) applyOne(key string, pid int) error {
	if m.bornIn(key, pid) {
		return nil // CloneDir made the dir and enabled its controllers
	}
	dir := m.st.Paths[key]
	made, err := m.mkdirs(dir)
	if err != nil {
		if (m.rootless && skippable(err)) || unwritable(err) {
			m.skip(key)
			return nil
		}
		return err
	}
	if key == "cpuset" {
		if _, err := initCpusets(dir, m.roots, m.quietCpusets(made)); err != nil {
			return err
		}
	}
	if key == "unified" && m.st.Mode == Unified && !m.rootless {
		// Only on a pure v2 host: on a hybrid host the unified root belongs
		// to systemd and its controllers stay where they are.
		if err := fs2.EnableControllers(mountOf(dir), dir); err != nil {
			return err
		}
	}
	if err := cgfile.Write(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		if (m.rootless && skippable(err)) || unwritable(err) {
			// We cannot use this hierarchy: undo what we made for it
			// and forget it, so the State only holds real placements.
			for i := len(made) - 1; i >= 0; i-- {
				if os.Remove(made[i]) == nil {
					m.forgetCreated(made[i])
				}
			}
			m.skip(key)
			return nil
		}
		return err
	}
	return nil
}

// skip forgets a hierarchy hull cannot use and remembers why, so Set can
// tell "not writable" from "not asked for".
func (m *manager) skip(key string) {
	delete(m.st.Paths, key)
	m.st.Unwritable = append(m.st.Unwritable, key)
}

// unwritable errors mean the hierarchy exists but this hull may not create
// or join cgroups in it: a read-only cgroupfs (a container runtime running
// inside a container with /sys/fs/cgroup mounted ro) or no permission.
// Even as root the container then runs without that hierarchy, and Set
// fails for any resource that needs it.
func unwritable(err error) bool {
	return errors.Is(err, unix.EROFS) || errors.Is(err, os.ErrPermission)
}

// skippable errors are the ones a rootless container meets on hierarchies it
// was not delegated: no permission, read-only cgroupfs, hierarchy missing.
func skippable(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, os.ErrNotExist) ||
		errors.Is(err, ErrNoHierarchy) || errors.Is(err, unix.EROFS)
}

// mkdirs creates dir and its missing parents, and returns (and records in
// State.Created) exactly the ones it made. It only creates a directory when
// its parent is on a cgroup filesystem: /sys/fs/cgroup itself is a tmpfs on
// v1 hosts, and mkdir there would make a plain directory, not a cgroup.
func (m *manager) mkdirs(dir string) ([]string, error) {
	// Fast path, the usual create: the parent exists on cgroupfs and dir
	// does not. statfs + mkdir instead of two lstats, statfs and mkdir.
	if parent := filepath.Dir(dir); parent != dir && (m.roots[parent] || isCgroupFS(parent)) {
		err := cgfile.Mkdir(dir)
		if err == nil {
			m.recordCreated(dir)
			return []string{dir}, nil
		}
		if errors.Is(err, os.ErrExist) {
			return nil, nil // not ours: joined as it is
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("mkdir %s: %w", dir, err)
		}
	}
	var missing []string
	cur := dir
	for {
		if _, err := os.Lstat(cur); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("stat %s: %w", cur, err)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return nil, fmt.Errorf("%s: %w", dir, ErrNoHierarchy)
		}
		missing = append(missing, cur)
		cur = parent
	}
	if !isCgroupFS(cur) {
		return nil, fmt.Errorf("%s is not on a cgroup filesystem: %w", cur, ErrNoHierarchy)
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := cgfile.Mkdir(d); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue // raced with another creator: not ours
			}
			return made, fmt.Errorf("mkdir %s: %w", d, err)
		}
		made = append(made, d)
		m.recordCreated(d)
	}
	return made, nil
}

func (m *manager) recordCreated(d string) {
	for _, c := range m.st.Created {
		if c == d {
			return
		}
	}
	m.st.Created = append(m.st.Created, d)
}

func (m *manager) forgetCreated(d string) {
	out := m.st.Created[:0]
	for _, c := range m.st.Created {
		if c != d {
			out = append(out, c)
		}
	}
	m.st.Created = out
}

// initCpusets fills empty cpuset.cpus/mems from the top down: v1 refuses to
// attach a task to a cpuset with empty sets (ENOSPC), and a child can only be
// filled once its parent is. Only empty values are written, so cgroups that
// are already usable are never changed. It returns dir's sets, so that each
// level's files are read once.
//
// A cpuset this create made (quiet reports which) is filled with its
// cpuset.sched_load_balance cleared first, when the top cpuset balances:
// writing the CPUs of a balancing cpuset, and removing one, makes the kernel
// rebuild the scheduling domains (rebuild_sched_domains_locked, which walks
// every cpuset), about 26 us of CPU per container here (perf: update_domain_
// attr_tree, dl_rebuild_rd_accounting), more on a host with many cpusets.
// While the top cpuset balances, the kernel builds one domain from it alone
// and a child's flag changes nothing (cgroup-v1/cpusets.rst, 1.7).
//
// roots are mountpoints known to be on cgroupfs: a hierarchy's top cpuset
// always has its sets, so it is read without the statfs and two stats that
// tell whether a parent is still in the hierarchy.
func initCpusets(dir string, roots map[string]bool, quiet func(string) bool) ([2]string, error) {
	cur, err := fs1.ReadCpuset(dir)
	if err != nil || cur[0] != "" && cur[1] != "" {
		return cur, err
	}
	var parentSets [2]string
	if parent := filepath.Dir(dir); parent != dir && !roots[parent] && isCgroupFS(parent) && sameFS(parent, dir) {
		parentSets, err = initCpusets(parent, roots, quiet)
	} else {
		parentSets, err = fs1.ReadCpuset(parent)
	}
	if err != nil {
		return cur, err
	}
	if cur[0] == "" && quiet(dir) {
		// Best effort: a kernel without the file still gets its sets.
		_ = cgfile.Write(dir, "cpuset.sched_load_balance", "0")
	}
	return fs1.FillCpuset(dir, cur, parentSets)
}

// quietCpusets returns initCpusets' quiet: true for the dirs in made when
// the top cpuset of the v1 cpuset hierarchy load-balances (its
// cpuset.sched_load_balance, 1 unless an administrator isolates CPUs).
// Without the host's mounts (a manager loaded from state) it says no.
func (m *manager) quietCpusets(made []string) func(string) bool {
	top := false
	for _, mi := range m.mounts {
		if mi.FSType == "cgroup" && mi.Root == "/" && hasOption(mi.VFSOptions, "cpuset") {
			v, err := cgfile.Read(mi.Mountpoint, "cpuset.sched_load_balance")
			top = err == nil && v == "1"
			break
		}
	}
	return func(dir string) bool {
		return top && slices.Contains(made, dir)
	}
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// mountOf returns the top of the cgroup filesystem holding dir: the highest
// ancestor still on cgroupfs.
func mountOf(dir string) string {
	top := dir
	for cur := dir; ; {
		parent := filepath.Dir(cur)
		if parent == cur || !isCgroupFS(parent) || !sameFS(parent, cur) {
			return top
		}
		top, cur = parent, parent
	}
}

func sameFS(a, b string) bool {
	var sa, sb unix.Stat_t
	return unix.Stat(a, &sa) == nil && unix.Stat(b, &sb) == nil && sa.Dev == sb.Dev
}
