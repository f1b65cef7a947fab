package clients

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
)

// traces lists what still refers to key (a container id or name) on this
// machine: processes whose command line names it (conmon -c <id>,
// containerd-shim -id <id>, the container's own processes are found by
// root), mounts whose path names it, cgroup directories named after it, and
// entries named after it in the given runtime state directories.
func traces(key string, stateDirs []string, rootfs string) []string {
	var out []string
	out = append(out, procsNaming(key, rootfs)...)
	out = append(out, mountsNaming(key)...)
	out = append(out, cgroupDirsNaming(key)...)
	for _, d := range stateDirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue // never created: nothing left
		}
		for _, e := range ents {
			if strings.Contains(e.Name(), key) {
				out = append(out, "runtime state "+filepath.Join(d, e.Name()))
			}
		}
	}
	return out
}

// assertNoTraces fails the test if anything still refers to one of keys
// after a grace period (clients reap asynchronously: conmon and the shim exit
// a moment after the CLI returns).
func assertNoTraces(t *testing.T, keys []string, stateDirs []string, rootfs string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []string
		for _, k := range keys {
			left = append(left, traces(k, stateDirs, rootfs)...)
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("left behind:\n  %s", strings.Join(left, "\n  "))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// procsNaming finds processes (other than this one) whose argv contains key
// (conmon, the shim), whose cgroup path contains it (the container's own
// processes: libpod-<id>, /<ns>/<id>), or whose root directory is rootfs
// (compared by device and inode: readlink of /proc/<pid>/root shows a
// pivoted root as "/").
func procsNaming(key, rootfs string) []string {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []string{fmt.Sprintf("read /proc: %v", err)}
	}
	var out []string
	self := os.Getpid()
	var rootSt os.FileInfo
	if rootfs != "" {
		if rootSt, err = os.Stat(rootfs); err != nil {
			rootSt = nil
		}
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if isZombie(pid) {
			continue
		}
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		args := strings.ReplaceAll(string(bytes.TrimRight(cmd, "\x00")), "\x00", " ")
		if key != "" && strings.Contains(args, key) {
			out = append(out, fmt.Sprintf("process %d: %s", pid, args))
			continue
		}
		if key != "" {
			if cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid)); err == nil && strings.Contains(string(cg), key) {
				out = append(out, fmt.Sprintf("process %d in a cgroup of %s: %s", pid, key, args))
				continue
			}
		}
		if rootSt != nil {
			if st, err := os.Stat(fmt.Sprintf("/proc/%d/root", pid)); err == nil && os.SameFile(st, rootSt) {
				out = append(out, fmt.Sprintf("process %d rooted in %s: %s", pid, rootfs, args))
			}
		}
	}
	return out
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] == 'Z' || s[i+2] == 'X'
}

// mountsNaming lists mounts in this mount namespace (shared with the
// clients, which run as our children) whose mount point contains key.
func mountsNaming(key string) []string {
	ms, err := mountinfo.GetMounts(func(m *mountinfo.Info) (bool, bool) {
		return !strings.Contains(m.Mountpoint, key), false
	})
	if err != nil {
		return []string{fmt.Sprintf("read mountinfo: %v", err)}
	}
	var out []string
	for _, m := range ms {
		out = append(out, "mount "+m.Mountpoint)
	}
	return out
}

// cgroupMountpoints lists the mounted cgroup hierarchies (v1 controllers,
// name=systemd and the unified tree).
func cgroupMountpoints() []string {
	ms, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Mountpoint)
	}
	return out
}

// cgroupDirsNaming walks every hierarchy a few levels deep (clients nest
// containers at most as /<parent>/<id>) for directories whose name contains
// key: podman's libpod-<id> and libpod-conmon-<id>, containerd's /<ns>/<id>.
func cgroupDirsNaming(key string) []string {
	var out []string
	for _, mp := range cgroupMountpoints() {
		base := strings.Count(mp, "/")
		_ = filepath.WalkDir(mp, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if strings.Count(p, "/")-base > 4 {
				return filepath.SkipDir
			}
			if p != mp && strings.Contains(d.Name(), key) {
				out = append(out, "cgroup "+p)
			}
			return nil
		})
	}
	return out
}

// cgroupFile reads file from the first cgroup directory named after key in
// the hierarchy mounted at a path ending in controller (e.g. "memory").
func cgroupFile(key, controller, file string) (string, error) {
	for _, d := range cgroupDirsNaming(key) {
		p := strings.TrimPrefix(d, "cgroup ")
		if !strings.Contains(p, "/"+controller+"/") && !strings.Contains(p, ","+controller+"/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p, file))
		if err != nil {
			continue // e.g. libpod-conmon-<id> lacks the file
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", fmt.Errorf("no %s cgroup named after %s holding %s", controller, key, file)
}

// removeEmptyCgroupDirs rmdirs cgroup directories named name directly below
// each hierarchy's root (parents such as containerd's /<ns> that no runtime
// removes); rmdir fails harmlessly on a non-empty cgroup.
func removeEmptyCgroupDirs(name string) {
	for _, mp := range cgroupMountpoints() {
		_ = os.Remove(filepath.Join(mp, name))
	}
}
