package testutil

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// cgroupMount is one mounted cgroup hierarchy.
type cgroupMount struct {
	mountpoint string
	root       string          // mountinfo field 4: the cgroup path mounted there
	v2         bool            // cgroup2 (unified) hierarchy
	ctrls      map[string]bool // v1 controllers and name=... options
}

func cgroupMounts() ([]cgroupMount, error) {
	ms, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var out []cgroupMount
	for _, m := range ms {
		cm := cgroupMount{mountpoint: m.Mountpoint, root: m.Root, v2: m.FSType == "cgroup2", ctrls: map[string]bool{}}
		for _, o := range strings.Split(m.VFSOptions, ",") {
			cm.ctrls[o] = true
		}
		out = append(out, cm)
	}
	return out, nil
}

// CgroupDirsFor returns, for a cgroupsPath as written in config.json (an
// absolute path such as /hull-test-x), the directory it would have in every
// mounted hierarchy (cgroup v1 controllers, name=systemd, and the unified
// v2 tree). It only builds paths; it never creates anything.
func CgroupDirsFor(cgroupsPath string) ([]string, error) {
	if !strings.HasPrefix(cgroupsPath, "/") || strings.Contains(cgroupsPath, "..") {
		return nil, fmt.Errorf("cgroupsPath %q: want an absolute path without ..", cgroupsPath)
	}
	ms, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if m.root != "/" {
			continue
		}
		d := filepath.Join(m.mountpoint, cgroupsPath)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

// cgroupDirsOfPid maps /proc/<pid>/cgroup to host directories, leaving out
// hierarchies where the process sits in the same cgroup as the test binary
// (then the runtime created nothing there that it must remove).
func cgroupDirsOfPid(pid int) []string {
	theirs := readProcCgroup(fmt.Sprintf("/proc/%d/cgroup", pid))
	ours := readProcCgroup("/proc/self/cgroup")
	ms, err := cgroupMounts()
	if err != nil {
		return nil
	}
	var out []string
	for key, p := range theirs {
		if p == "/" || ours[key] == p {
			continue
		}
		for _, m := range ms {
			if !cgroupLineMatches(key, m) {
				continue
			}
			rel := strings.TrimPrefix(p, m.root)
			if m.root != "/" && rel == p {
				continue
			}
			out = append(out, filepath.Join(m.mountpoint, rel))
			break
		}
	}
	return out
}

// readProcCgroup parses "hierarchy-id:controllers:path" lines into
// controllers -> path ("" is the v2 line "0::/path").
func readProcCgroup(file string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(file)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		out[parts[1]] = parts[2]
	}
	return out
}

func cgroupLineMatches(ctrls string, m cgroupMount) bool {
	if ctrls == "" {
		return m.v2
	}
	if m.v2 {
		return false
	}
	for _, c := range strings.Split(ctrls, ",") {
		if !m.ctrls[c] {
			return false
		}
	}
	return true
}
