package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config describes the filesystem view to build. See Setup, Pivot, Finalize.
type Config struct {
	Spec    *specs.Spec // uses Root.Path/Readonly, Mounts, Linux.Devices, MaskedPaths, ReadonlyPaths, RootfsPropagation
	Rootfs  string      // absolute, symlink-resolved host path of the rootfs
	Bundle  string      // absolute bundle dir: relative bind-mount sources are relative to it (as runc)
	NoPivot bool        // --no-pivot: MS_MOVE + chroot instead of pivot_root
	UserNS  bool        // container is in a non-initial user namespace: bind-mount host device nodes instead of mknod,
	// and cope with EPERM cases the way runc does (e.g. sysfs -> rbind of /sys)
	// SourceFds, when set, has one entry per Spec.Mounts: an O_PATH fd of a
	// bind mount's source opened by the parent on the host (-1 for others).
	// In a user namespace the container's root may not even be able to
	// look the source up (a 0700 directory of the host's root), so the
	// mount comes from /proc/self/fd/N, as runc's mount fds do.
	SourceFds []int

	// Set by hull's set-up thread (internal/process/thread.go), which
	// builds the rootfs from outside the container's pid namespace and
	// leaves pivot_root to the init:
	//
	// PidNSFd > 0 is an fd of the container's pid namespace: proc mounts
	// get it as their "pidns" option (Linux 6.15), so that the /proc a
	// process outside that namespace mounts shows the container's pids.
	PidNSFd int
	// CgroupPid, when not 0, is the process whose cgroups the cgroup v1
	// mount shows (the container's init; the set-up thread's process is
	// hull's, in the host's cgroups).
	CgroupPid int
	// CgroupMounts, when not nil, are the host's cgroup mounts as the
	// cgroup manager read them from mountinfo moments before (the set-up
	// thread's mount namespace is a copy taken after). The cgroup v1 mount
	// then needs no second mountinfo read, which the kernel generates line
	// by line for every mount (about 2% of a `run`).
	CgroupMounts []*mountinfo.Info
	// BeforePivot: Finalize runs before the root changes, resolving in
	// Rootfs instead of "/".
	BeforePivot bool
}

func (c *Config) validate() error {
	if c == nil || c.Spec == nil {
		return errors.New("rootfs: nil config or spec")
	}
	if !filepath.IsAbs(c.Rootfs) || filepath.Clean(c.Rootfs) != c.Rootfs {
		return fmt.Errorf("rootfs: rootfs path %q must be absolute and clean", c.Rootfs)
	}
	if c.Rootfs == "/" {
		return errors.New("rootfs: refusing to use the host / as container rootfs")
	}
	return nil
}

func (c *Config) linux() *specs.Linux {
	if c.Spec.Linux == nil {
		return &specs.Linux{}
	}
	return c.Spec.Linux
}

// setupState carries the scoped root handle through Setup.
type setupState struct {
	c        *Config
	root     *os.File // O_PATH handle of the rootfs bind mount
	rootPath string
	mountIdx int         // index in Spec.Mounts of the mount being set up
	mounts   *mountTable // /proc/thread-self/mountinfo, read on first use only
}

// Setup prepares the rootfs before the createContainer hooks run: root
// propagation (rslave unless linux.rootfsPropagation says otherwise), the
// rootfs bind onto itself, every spec mount in order, then (unless the spec
// bind-mounts its own /dev) default devices, linux.devices, /dev symlinks and
// /dev/ptmx.
//
// It must run in the container's new mount namespace while the host /proc is
// still visible (mounts target /proc/self/fd/N).
func Setup(c *Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	prop, err := parseRootPropagation(c.linux().RootfsPropagation)
	if err != nil {
		return err
	}
	if err := checkProcFd(); err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	mounts := &mountTable{}
	if err := prepareRoot(c.Rootfs, prop, mounts); err != nil {
		return err
	}
	// Opened after the self-bind so every lookup lands in the new mount.
	root, err := openRootDir(c.Rootfs)
	if err != nil {
		return err
	}
	defer root.Close()
	s := &setupState{c: c, root: root, rootPath: c.Rootfs, mounts: mounts}
	for i := range c.Spec.Mounts {
		s.mountIdx = i
		if err := s.mountEntry(&c.Spec.Mounts[i]); err != nil {
			return err
		}
	}
	if needsDevSetup(c.Spec.Mounts) {
		if err := s.setupDev(); err != nil {
			return err
		}
	}
	return nil
}
