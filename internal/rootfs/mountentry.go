package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountEntry performs one OCI mount.
func (s *setupState) mountEntry(m *specs.Mount) error {
	o, err := parseMountOptions(m.Options)
	if err != nil {
		return mountError(m, err)
	}
	dest := cleanPath(m.Destination)
	if m.Type == "bind" || o.flags&unix.MS_BIND != 0 {
		return s.mountBind(m, dest, o)
	}
	switch m.Type {
	case "cgroup":
		return s.mountCgroup(m, dest, o)
	case "cgroup2":
		return s.mountCgroup2(m, dest, o)
	case "":
		return mountError(m, errors.New("mount type is empty and options do not say bind"))
	}

	if err := checkProcDest(m, dest); err != nil {
		return mountError(m, err)
	}
	var h *os.File
	if m.Type == "proc" || m.Type == "sysfs" {
		h, err = ensureRealDir(s.root, dest)
	} else {
		h, err = mkdirInRoot(s.root, dest)
	}
	if err != nil {
		return mountError(m, fmt.Errorf("create mountpoint: %w", err))
	}
	defer h.Close()
	if err := s.checkTarget(m, dest, h); err != nil {
		return mountError(m, err)
	}

	flags := o.flags &^ unix.MS_REMOUNT
	if dest == "/dev" {
		// Devices are created on it after this; Finalize applies "ro".
		flags &^= unix.MS_RDONLY
	}
	if o.tmpcopyup && m.Type == "tmpfs" {
		return s.mountTmpcopyup(m, dest, h, flags, o)
	}
	if m.Type == "proc" && s.c.PidNSFd > 0 {
		err = mountProcForPidNS(m.Source, h, s.c.PidNSFd, flags, o.dataString())
	} else {
		err = mountFd(m.Source, h, m.Type, flags, o.dataString())
	}
	if err != nil && s.c.UserNS && errors.Is(err, unix.EPERM) {
		switch m.Type {
		case "sysfs":
			// A user namespace that does not own the network namespace may
			// not mount sysfs; runc falls back to an rbind of the host /sys.
			return s.bindFallback(m, "/sys", dest, o, unix.MS_REC)
		case "mqueue":
			// Likewise mqueue needs an owned IPC namespace.
			return s.bindFallback(m, "/dev/mqueue", dest, o, 0)
		}
	}
	if err != nil {
		return mountError(m, err)
	}
	return s.finishMount(m, dest, h, o, false)
}

// bindFallback replaces a failed filesystem mount with a bind of hostPath.
func (s *setupState) bindFallback(m *specs.Mount, hostPath, dest string, o *mountOpts, rec uintptr) error {
	bm := *m
	bm.Source = hostPath
	bm.Type = "bind"
	bo := *o
	bo.flags |= unix.MS_BIND | rec
	bo.flagsTouched = true
	return s.mountBind(&bm, dest, &bo)
}

// mountBind bind-mounts a host path (relative paths are relative to the
// bundle) onto dest, creating a file or directory mountpoint to match the
// source, then remounts to apply ro/nosuid/... since MS_BIND ignores them.
func (s *setupState) mountBind(m *specs.Mount, dest string, o *mountOpts) error {
	src := m.Source
	if src == "" {
		return mountError(m, errors.New("bind mount without source"))
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(s.c.Bundle, src)
	}
	var st unix.Stat_t
	srcFd := s.sourceFd()
	if srcFd >= 0 {
		if err := unix.Fstat(srcFd, &st); err != nil {
			return mountError(m, fmt.Errorf("stat source %s: %w", src, err))
		}
	} else if err := unix.Stat(src, &st); err != nil {
		return mountError(m, fmt.Errorf("stat source %s: %w", src, err))
	}
	if err := checkProcDest(m, dest); err != nil {
		return mountError(m, err)
	}
	var h *os.File
	var err error
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		h, err = mkdirInRoot(s.root, dest)
	} else {
		h, err = createFileInRoot(s.root, dest)
	}
	if err != nil {
		return mountError(m, fmt.Errorf("create mountpoint: %w", err))
	}
	defer h.Close()
	if err := s.checkTarget(m, dest, h); err != nil {
		return mountError(m, err)
	}
	if srcFd >= 0 {
		// The parent's detached clone of the source (user namespaces).
		if err := unix.MoveMount(srcFd, "", int(h.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return mountError(m, fmt.Errorf("move_mount: %w", err))
		}
	} else if err := mountFd(src, h, "", unix.MS_BIND|(o.flags&unix.MS_REC), ""); err != nil {
		return mountError(m, err)
	}
	return s.finishMount(m, dest, h, o, o.flagsTouched)
}

// sourceFd is the parent's pre-opened fd for the current mount's source,
// or -1.
func (s *setupState) sourceFd() int {
	if s.mountIdx < len(s.c.SourceFds) {
		return s.c.SourceFds[s.mountIdx]
	}
	return -1
}

// procMountAllowlist are the /proc files a non-proc mount may cover: the ones
// lxcfs emulates. Anything else under /proc could hide a masked path or
// expose a writable sysctl, so it is refused as runc does.
var procMountAllowlist = map[string]bool{
	"/proc/cpuinfo":                true,
	"/proc/diskstats":              true,
	"/proc/meminfo":                true,
	"/proc/stat":                   true,
	"/proc/swaps":                  true,
	"/proc/uptime":                 true,
	"/proc/loadavg":                true,
	"/proc/slabinfo":               true,
	"/proc/net/dev":                true,
	"/proc/sys/kernel/ns_last_pid": true,
}

// checkProcDest is the lexical check, made before anything is created:
// only another procfs may cover /proc, and below it only the allowlist.
func checkProcDest(m *specs.Mount, dest string) error {
	if m.Type == "proc" || !pathContains("/proc", dest) {
		return nil
	}
	if dest == "/proc" {
		var ssf unix.Statfs_t
		if err := unix.Statfs(m.Source, &ssf); err == nil && ssf.Type == unix.PROC_SUPER_MAGIC {
			return nil
		}
		return fmt.Errorf("%s cannot be mounted because it is not of type proc", dest)
	}
	if procMountAllowlist[dest] {
		return nil
	}
	return fmt.Errorf("%s cannot be mounted because it is inside /proc", dest)
}

// checkTarget validates a resolved mountpoint: it must be inside the rootfs,
// and if it sits on a procfs, dest must be allowed by checkProcDest. Looking
// at the resolved handle catches a symlink like /foo -> /proc that the
// lexical check cannot see.
func (s *setupState) checkTarget(m *specs.Mount, dest string, h *os.File) error {
	if err := checkUnder(h, s.rootPath); err != nil {
		return err
	}
	if err := checkProcDest(m, dest); err != nil {
		return err
	}
	if m.Type == "proc" || pathContains("/proc", dest) {
		return nil
	}
	var sf unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &sf); err != nil {
		return fmt.Errorf("statfs mountpoint: %w", err)
	}
	if sf.Type == unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("%s cannot be mounted because it resolves inside /proc", dest)
	}
	return nil
}

// needsDevSetup is false when the spec bind-mounts its own /dev; runc then
// leaves /dev alone entirely.
func needsDevSetup(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if cleanPath(m.Destination) != "/dev" {
			continue
		}
		if m.Type == "bind" || hasOption(m.Options, "bind") || hasOption(m.Options, "rbind") {
			return false
		}
	}
	return true
}

func hasOption(opts []string, want string) bool {
	for _, o := range opts {
		if strings.TrimSpace(o) == want {
			return true
		}
	}
	return false
}
