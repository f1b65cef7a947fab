package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/cgroups/fs1"
	"github.com/hull-runtime/hull/internal/cgroups/fs2"
	"github.com/hull-runtime/hull/internal/cgroups/stats"
)

// Manager controls one container's cgroups.
type Manager interface {
	Apply(pid int) error               // create missing dirs (recording each), write pid to cgroup.procs in all
	Join(pid int) error                // write pid to cgroup.procs in all (exec: the dirs exist, none is made)
	Set(r *specs.LinuxResources) error // write resources
	Pids() ([]int, error)              // every pid in the container's cgroup (for ps and kill --all)
	Freeze() error                     // v1 freezer.state FROZEN (waits out FREEZING); v2 cgroup.freeze
	Thaw() error
	Paused() (bool, error) // freezer unavailable => false, nil
	Destroy() error        // rmdir exactly State.Created, children first
	State() State
	Missing() []string            // the dirs Apply would make now (create's write-ahead state)
	Stats() (*stats.Stats, error) // counters in runc's `events` shape (stats.go)
	OOM() (OOMState, error)       // OOM counters `events` watches (stats.go)
}

type manager struct {
	mu       sync.Mutex
	st       State
	rootless bool
	mounts   []*mountinfo.Info // the cgroup mounts New read; nil after Load
	cloneDir string            // the v2 dir CloneDir gave out (see bornIn)
	// roots are the hierarchies' mountpoints New found on cgroupfs (a
	// statfs each); nil after Load. Apply and Missing skip their statfs
	// and lstat: about 20 path walks through /sys per create.
	roots map[string]bool
}

// MountLister is a Manager made by New: it knows the host's cgroup mounts.
type MountLister interface {
	// CgroupMounts returns the cgroup and cgroup2 mounts of mountinfo as
	// New read them. The slice and its entries must not be modified.
	CgroupMounts() []*mountinfo.Info
}

func (m *manager) CgroupMounts() []*mountinfo.Info { return m.mounts }

// New computes the paths for linux.cgroupsPath: absolute => under each
// hierarchy's mountpoint; relative or empty (empty means the container id)
// => relative to the calling process's own cgroup in that hierarchy. Nothing
// is created until Apply.
func New(cgroupsPath, id string, rootless bool) (Manager, error) {
	mode, err := DetectMode()
	if err != nil {
		return nil, err
	}
	paths, mounts, roots, err := hostPaths(mode, cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	return &manager{st: State{Mode: mode, Paths: paths}, rootless: rootless, mounts: mounts, roots: roots}, nil
}

// Load rebuilds a Manager from a State saved in state.json.
func Load(st State) (Manager, error) {
	if err := st.validate(); err != nil {
		return nil, err
	}
	// A non-root hull cannot have created cgroups it lacks permission for;
	// treat it as rootless so a later Apply skips what it cannot enter.
	return &manager{st: st.clone(), rootless: os.Geteuid() != 0}, nil
}

// Missing lists, parents first, the directories on the way to each of the
// container's cgroup paths that do not exist now: what Apply is about to
// make, for create's write-ahead state.json. It stops at a hierarchy's
// mountpoint without looking (New saw it on cgroupfs).
func (m *manager) Missing() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, k := range m.sortedKeys() {
		var chain []string
		for d := m.st.Paths[k]; d != "/" && d != "." && !m.roots[d]; d = filepath.Dir(d) {
			if cgfile.Lexists(d) {
				break
			}
			chain = append(chain, d)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			if !seen[chain[i]] {
				seen[chain[i]] = true
				out = append(out, chain[i])
			}
		}
	}
	return out
}

func (m *manager) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.clone()
}

func (m *manager) sortedKeys() []string {
	keys := make([]string, 0, len(m.st.Paths))
	for k := range m.st.Paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// v1Paths is State.Paths without the hierarchies that carry no v1 resource
// files.
func (m *manager) v1Paths() map[string]string {
	out := map[string]string{}
	for k, v := range m.st.Paths {
		if k != "unified" && k != "name=systemd" {
			out[k] = v
		}
	}
	return out
}

func (m *manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	unified := m.st.Paths["unified"]
	if m.st.Mode == Unified {
		if unified == "" {
			if needsResources(r, m.rootless || m.isUnwritable("unified")) {
				return m.explain(fmt.Errorf("set resources: no cgroup v2 path (%w)", fs1.ErrNoController))
			}
			return nil
		}
		rr := *r
		if m.rootless {
			rr.Devices = nil
		}
		return fs2.Set(unified, &rr)
	}
	rr := *r
	// On a hybrid host hugetlb may exist only on the unified hierarchy
	// (as on kernels built without v1 hugetlb mounts).
	if len(rr.HugepageLimits) > 0 && m.st.Paths["hugetlb"] == "" && unified != "" {
		if err := fs2.SetHugetlb(unified, rr.HugepageLimits); err != nil {
			return fmt.Errorf("set hugetlb resources: %w", err)
		}
		rr.HugepageLimits = nil
	}
	if m.st.Paths["devices"] == "" && (m.rootless || m.isUnwritable("devices")) {
		// Rootless containers never had a devices cgroup; their device
		// access is bounded by the user namespace instead. Without a
		// writable devices hierarchy the container only has the device
		// nodes hull creates (as runc's rootless mode).
		rr.Devices = nil
	}
	unifiedRes := rr.Unified
	rr.Unified = nil
	if err := fs1.Set(m.v1Paths(), &rr); err != nil {
		return m.explain(err)
	}
	if len(unifiedRes) > 0 {
		if unified == "" {
			return fmt.Errorf("linux.resources.unified needs cgroup v2, host is %s", m.st.Mode)
		}
		return fs2.SetUnified(unified, unifiedRes)
	}
	return nil
}

func (m *manager) isUnwritable(key string) bool {
	for _, k := range m.st.Unwritable {
		if k == key {
			return true
		}
	}
	return false
}

// explain adds why a controller is missing when Apply had to skip
// hierarchies: "not available" alone would send users looking for a kernel
// option when the cause is a read-only /sys/fs/cgroup.
func (m *manager) explain(err error) error {
	if len(m.st.Unwritable) == 0 || !errors.Is(err, fs1.ErrNoController) {
		return err
	}
	return fmt.Errorf("%w (cgroup hierarchies not writable: %s)", err, strings.Join(m.st.Unwritable, ", "))
}

// needsResources reports whether r asks for anything at all.
func needsResources(r *specs.LinuxResources, rootless bool) bool {
	return r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil ||
		len(r.HugepageLimits) > 0 || r.Network != nil || len(r.Rdma) > 0 ||
		len(r.Unified) > 0 || (len(r.Devices) > 0 && !rootless)
}

// pidsDir picks the hierarchy whose tree is listed for Pids: any would do
// for processes hull placed, the freezer/devices/pids ones are the ones runc
// also uses.
func (m *manager) pidsDir() string {
	order := []string{"freezer", "devices", "pids", "memory", "cpu"}
	if m.st.Mode == Unified {
		order = nil
	}
	order = append(order, "unified")
	for _, k := range order {
		if d := m.st.Paths[k]; d != "" {
			return d
		}
	}
	for _, k := range m.sortedKeys() {
		return m.st.Paths[k]
	}
	return ""
}

func (m *manager) Pids() ([]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir := m.pidsDir()
	if dir == "" {
		return nil, fmt.Errorf("list pids: container has no cgroup")
	}
	return cgfile.ReadAllProcs(dir)
}

type freezerKind int

const (
	noFreezer freezerKind = iota
	v1Freezer
	v2Freezer
)

// freezer picks the v1 freezer when it is really mounted, else the v2
// cgroup.freeze (core v2, no controller needed, so it also works on the
// unified hierarchy of a hybrid host).
func (m *manager) freezer() (freezerKind, string) {
	if m.st.Mode != Unified {
		if d := m.st.Paths["freezer"]; d != "" && fsType(d) == cgroupSuperMagic {
			return v1Freezer, d
		}
	}
	if d := m.st.Paths["unified"]; d != "" && cgfile.Exists(d, "cgroup.freeze") {
		return v2Freezer, d
	}
	return noFreezer, ""
}

func (m *manager) Freeze() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch kind, dir := m.freezer(); kind {
	case v1Freezer:
		return fs1.Freeze(dir)
	case v2Freezer:
		return fs2.Freeze(dir)
	}
	return fmt.Errorf("freeze: no cgroup freezer available")
}

func (m *manager) Thaw() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch kind, dir := m.freezer(); kind {
	case v1Freezer:
		return fs1.Thaw(dir)
	case v2Freezer:
		return fs2.Thaw(dir)
	}
	return fmt.Errorf("thaw: no cgroup freezer available")
}

// Paused is false when there is no freezer: a running container must never
// be reported as paused (or stopped) because a freezer file is missing.
func (m *manager) Paused() (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch kind, dir := m.freezer(); kind {
	case v1Freezer:
		st, err := fs1.FreezerState(dir)
		if err != nil {
			return false, err
		}
		return st == fs1.Frozen, nil
	case v2Freezer:
		return fs2.Paused(dir)
	}
	return false, nil
}
