package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const hostCgroupRoot = "/sys/fs/cgroup"

// cgroupHierarchy is one cgroup v1 hierarchy as this process sees it.
type cgroupHierarchy struct {
	name        string // directory name under the cgroup mount (basename of host mountpoint)
	controllers string // as in /proc/self/cgroup: "memory", "cpu,cpuacct", "name=systemd"
	source      string // host path of this process's own cgroup in the hierarchy
}

// parseProcCgroup parses /proc/self/cgroup into controllers -> path; the v2
// entry ("0::/path") has key "".
func parseProcCgroup(data string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		out[parts[1]] = parts[2]
	}
	return out
}

// v1Hierarchies matches each v1 line of /proc/self/cgroup with a cgroup
// mount whose super options carry exactly those controllers.
func v1Hierarchies(mounts []*mountinfo.Info, own map[string]string) []cgroupHierarchy {
	var out []cgroupHierarchy
	seen := map[string]bool{}
	for ctrls, path := range own {
		if ctrls == "" {
			continue
		}
		want := strings.Split(ctrls, ",")
		for _, m := range mounts {
			if m.FSType != "cgroup" || !hasAll(strings.Split(m.VFSOptions, ","), want) {
				continue
			}
			name := filepath.Base(m.Mountpoint)
			if seen[name] {
				break
			}
			seen[name] = true
			rel := path
			if m.Root != "/" {
				if !pathContains(m.Root, path) {
					// Our cgroup is not visible through this mount; expose
					// only what the host mount itself shows.
					rel = "/"
				} else {
					rel = strings.TrimPrefix(path, m.Root)
				}
			}
			out = append(out, cgroupHierarchy{
				name:        name,
				controllers: ctrls,
				source:      filepath.Join(m.Mountpoint, rel),
			})
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func hasAll(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// readProcCgroup reads the cgroups of the container's init: this process,
// or Config.CgroupPid.
func (s *setupState) readProcCgroup() ([]byte, error) {
	p := "/proc/self/cgroup"
	if s.c.CgroupPid != 0 {
		p = "/proc/" + strconv.Itoa(s.c.CgroupPid) + "/cgroup"
	}
	data, err := rawfile.ReadProc(p, 1024)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return data, nil
}

func (s *setupState) hasCgroupNS() bool {
	for _, ns := range s.c.linux().Namespaces {
		if ns.Type == specs.CgroupNamespace {
			return true
		}
	}
	return false
}

func hostCgroupUnified() bool {
	var sf unix.Statfs_t
	return unix.Statfs(hostCgroupRoot, &sf) == nil && sf.Type == unix.CGROUP2_SUPER_MAGIC
}

// mountCgroup handles type "cgroup": a cgroup2 mount on a unified host, and
// on a v1 (or hybrid) host a tmpfs with one directory per hierarchy.
func (s *setupState) mountCgroup(m *specs.Mount, dest string, o *mountOpts) error {
	if hostCgroupUnified() {
		return s.mountCgroup2(m, dest, o)
	}
	return s.mountCgroupV1(m, dest, o)
}

func (s *setupState) mountCgroupV1(m *specs.Mount, dest string, o *mountOpts) error {
	data, err := s.readProcCgroup()
	if err != nil {
		return mountError(m, err)
	}
	mounts := s.c.CgroupMounts
	if mounts == nil {
		if mounts, err = s.mounts.get(); err != nil {
			return mountError(m, err)
		}
	}
	hier := v1Hierarchies(mounts, parseProcCgroup(string(data)))

	h, err := mkdirInRoot(s.root, dest)
	if err != nil {
		return mountError(m, fmt.Errorf("create mountpoint: %w", err))
	}
	defer h.Close()
	if err := s.checkTarget(m, dest, h); err != nil {
		return mountError(m, err)
	}
	const tmpfsFlags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if err := mountFd("tmpfs", h, "tmpfs", tmpfsFlags|(o.flags&(atimeFlags|unix.MS_NODIRATIME)), "mode=755"); err != nil {
		return mountError(m, fmt.Errorf("tmpfs: %w", err))
	}
	th, err := s.reopenMounted(dest, h)
	if err != nil {
		return mountError(m, err)
	}
	defer th.Close()

	inNS := s.hasCgroupNS()
	for _, hy := range hier {
		if err := s.mountHierarchy(th, hy, inNS, o); err != nil {
			return mountError(m, fmt.Errorf("hierarchy %s: %w", hy.name, err))
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := remountBind(th, tmpfsFlags|unix.MS_RDONLY); err != nil {
			return mountError(m, fmt.Errorf("remount cgroup tmpfs ro: %w", err))
		}
	}
	return nil
}

// mountHierarchy puts one v1 hierarchy at <tmpfs>/<name>. In a cgroup
// namespace the hierarchy is mounted fresh (the kernel roots it at the
// namespace's cgroup); otherwise our own cgroup directory is bind-mounted so
// the container cannot see or touch its siblings.
func (s *setupState) mountHierarchy(tmpfs *os.File, hy cgroupHierarchy, inNS bool, o *mountOpts) error {
	if err := unix.Mkdirat(int(tmpfs.Fd()), hy.name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("mkdir: %w", err)
	}
	fd, err := unix.Openat(int(tmpfs.Fd()), hy.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	dh := os.NewFile(uintptr(fd), hy.name)
	defer dh.Close()
	flags := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	if inNS {
		if err := mountFd("cgroup", dh, "cgroup", flags, hy.controllers); err != nil {
			return fmt.Errorf("mount cgroup %s: %w", hy.controllers, err)
		}
	} else {
		if flags&remountFlagsMask != 0 && bindWithFlags(hy.source, dh, flags) {
			return symlinkControllers(tmpfs, hy)
		}
		if err := mountFd(hy.source, dh, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %s: %w", hy.source, err)
		}
		if flags&remountFlagsMask != 0 {
			nfd, err := unix.Openat(int(tmpfs.Fd()), hy.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("reopen: %w", err)
			}
			nh := os.NewFile(uintptr(nfd), hy.name)
			defer nh.Close()
			if err := remountBind(nh, flags); err != nil {
				return fmt.Errorf("remount: %w", err)
			}
		}
	}
	return symlinkControllers(tmpfs, hy)
}

// symlinkControllers gives co-mounted controllers ("cpu,cpuacct") a symlink
// each, as on the host.
func symlinkControllers(tmpfs *os.File, hy cgroupHierarchy) error {
	if strings.Contains(hy.name, ",") {
		for _, c := range strings.Split(hy.name, ",") {
			if err := unix.Symlinkat(hy.name, int(tmpfs.Fd()), c); err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("symlink %s: %w", c, err)
			}
		}
	}
	return nil
}

// mountCgroup2 mounts cgroup2. Where the kernel refuses (EPERM in a user
// namespace without its own cgroup namespace, EBUSY when controllers are
// held by v1), fall back as runc does to a bind of the host's cgroup2 tree:
// our own cgroup in a cgroup namespace, the whole tree otherwise.
func (s *setupState) mountCgroup2(m *specs.Mount, dest string, o *mountOpts) error {
	h, err := mkdirInRoot(s.root, dest)
	if err != nil {
		return mountError(m, fmt.Errorf("create mountpoint: %w", err))
	}
	defer h.Close()
	if err := s.checkTarget(m, dest, h); err != nil {
		return mountError(m, err)
	}
	src := m.Source
	if src == "" {
		src = "cgroup2"
	}
	flags := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	err = mountFd(src, h, "cgroup2", flags, o.dataString())
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY) {
		bindSrc := hostCgroupRoot
		if s.hasCgroupNS() {
			if data, rerr := s.readProcCgroup(); rerr == nil {
				if p := parseProcCgroup(string(data))[""]; p != "" {
					bindSrc = filepath.Join(hostCgroupRoot, p)
				}
			}
		}
		bm := *m
		bm.Source, bm.Type = bindSrc, "bind"
		bo := *o
		bo.flags |= unix.MS_BIND | unix.MS_REC
		bo.flagsTouched = true
		return s.mountBind(&bm, dest, &bo)
	}
	if err != nil {
		return mountError(m, err)
	}
	return s.finishMount(m, dest, h, o, false)
}
