package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/moby/sys/mountinfo"
)

// hierarchy is one mounted cgroup hierarchy, keyed like State.Paths.
type hierarchy struct {
	key        string // v1 controller, "name=systemd" or "unified"
	mountpoint string
	root       string // the cgroup shown at the mountpoint (mountinfo field 4)
}

// v1Controllers are the v1 controllers hull places processes in. Named
// hierarchies other than name=systemd are left alone, as runc does.
var v1Controllers = map[string]bool{
	"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "devices": true,
	"freezer": true, "blkio": true, "pids": true, "hugetlb": true, "net_cls": true,
	"net_prio": true, "perf_event": true, "rdma": true, "misc": true, "name=systemd": true,
}

// hierarchies picks, from the host's cgroup mounts, one mount per key that
// mode uses. The first mount of a controller wins (later ones are usually
// bind mounts of the same hierarchy).
func hierarchies(mounts []*mountinfo.Info, mode Mode) []hierarchy {
	var out []hierarchy
	seen := map[string]bool{}
	add := func(key string, m *mountinfo.Info) {
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, hierarchy{key: key, mountpoint: m.Mountpoint, root: m.Root})
	}
	// Prefer the canonical cgroup2 mountpoint when there are several.
	want2 := cgroupRoot
	if mode == Hybrid {
		want2 = filepath.Join(cgroupRoot, "unified")
	}
	for _, m := range mounts {
		if m.FSType == "cgroup2" && m.Mountpoint == want2 && mode != Legacy {
			add("unified", m)
		}
	}
	for _, m := range mounts {
		switch m.FSType {
		case "cgroup2":
			if mode != Legacy {
				add("unified", m)
			}
		case "cgroup":
			if mode == Unified {
				continue
			}
			for _, opt := range strings.Split(m.VFSOptions, ",") {
				if v1Controllers[opt] {
					add(opt, m)
				}
			}
		}
	}
	return out
}

// ownCgroups parses /proc/self/cgroup ("ID:controllers:path") into key ->
// path, with the v2 line ("0::path") under "unified".
func ownCgroups(r io.Reader) (map[string]string, error) {
	own := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			own["unified"] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read own cgroups: %w", err)
	}
	return own, nil
}

// computePaths maps linux.cgroupsPath onto every hierarchy. An absolute path
// is taken from each hierarchy's root; a relative or empty one (empty means
// the container id) from the calling process's own cgroup there, as runc
// does. ".." cannot climb above those bases.
func computePaths(hs []hierarchy, own map[string]string, cgroupsPath, id string) (map[string]string, error) {
	p := cgroupsPath
	if p == "" {
		if id == "" {
			return nil, fmt.Errorf("cgroup path: neither cgroupsPath nor container id given")
		}
		p = id
	}
	if strings.ContainsRune(p, 0) {
		return nil, fmt.Errorf("cgroup path %q contains NUL", p)
	}
	abs := filepath.IsAbs(p)
	sub := filepath.Clean("/" + p)
	paths := make(map[string]string, len(hs))
	for _, h := range hs {
		inner := sub
		if !abs {
			base := own[h.key]
			if base == "" {
				base = "/"
			}
			if h.key == "unified" {
				// As runc's fs2: beside our own cgroup, not in it. On v2
				// our own cgroup holds processes (hull itself, a
				// service's), and the kernel's no-internal-processes rule
				// would refuse controllers to a child of it.
				base = filepath.Dir(base)
			}
			inner = filepath.Join(base, sub)
		}
		// The mount may show a sub-tree (container without cgroupns, bind
		// mounts): /proc/self/cgroup paths then start with that root.
		if h.root != "/" && h.root != "" {
			if inner == h.root {
				inner = "/"
			} else if strings.HasPrefix(inner, h.root+"/") {
				inner = strings.TrimPrefix(inner, h.root)
			}
		}
		paths[h.key] = filepath.Join(h.mountpoint, inner)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no cgroup hierarchies mounted: %w", ErrNoHierarchy)
	}
	return paths, nil
}

// hostPaths also returns the cgroup mounts it read (see MountLister).
func hostPaths(mode Mode, cgroupsPath, id string) (map[string]string, []*mountinfo.Info, map[string]bool, error) {
	mounts, err := procfs.Mounts("cgroup", "cgroup2")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read cgroup mounts: %w", err)
	}
	data, err := rawfile.ReadProc("/proc/self/cgroup", 1024)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	own, err := ownCgroups(bytes.NewReader(data))
	if err != nil {
		return nil, nil, nil, err
	}
	hs := visible(hierarchies(mounts, mode))
	// visible has just statfs'd each mountpoint: Apply need not again.
	roots := make(map[string]bool, len(hs))
	for _, h := range hs {
		roots[h.mountpoint] = true
	}
	paths, err := computePaths(hs, own, cgroupsPath, id)
	return paths, mounts, roots, err
}

// visible drops hierarchies whose mountpoint is covered by another mount:
// mountinfo still lists a cgroup mount hidden under a tmpfs (a sandbox
// hiding the freezer, or a private namespace doing so on purpose), but
// creating a cgroup there would mkdir in the tmpfs. statfs sees the top mount.
func visible(hs []hierarchy) []hierarchy {
	out := hs[:0:0]
	for _, h := range hs {
		want := int64(cgroupSuperMagic)
		if h.key == "unified" {
			want = cgroup2SuperMagic
		}
		if fsType(h.mountpoint) == want {
			out = append(out, h)
		}
	}
	return out
}
