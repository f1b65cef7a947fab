package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func u32(v uint32) *uint32            { return &v }
func mode(m os.FileMode) *os.FileMode { return &m }

// defaultDevices are created in every container that does not bring its
// own /dev, matching runc (OCI config-linux.md "Default Devices").
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0, FileMode: mode(0o666), UID: u32(0), GID: u32(0)},
}

// allDevices is the defaults plus linux.devices; a spec entry for a default
// path replaces the default.
func allDevices(spec []specs.LinuxDevice) []specs.LinuxDevice {
	override := map[string]bool{}
	for _, d := range spec {
		override[cleanPath(d.Path)] = true
	}
	var out []specs.LinuxDevice
	for _, d := range defaultDevices {
		if !override[d.Path] {
			out = append(out, d)
		}
	}
	return append(out, spec...)
}

// setupDev populates /dev: device nodes, /dev/ptmx, and the fd symlinks.
func (s *setupState) setupDev() error {
	// mknod honours the umask; the spec's fileMode must land exactly.
	old := unix.Umask(0)
	defer unix.Umask(old)
	// One handle of /dev, resolved and checked once, serves every node
	// directly in it (nearly all of them): a lookup and check per node
	// cost four syscalls each.
	dev, err := mkdirInRoot(s.root, "/dev")
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	if err := checkUnder(dev, s.rootPath); err != nil {
		return err
	}
	for _, d := range allDevices(s.c.linux().Devices) {
		if err := s.createDevice(d, dev); err != nil {
			return fmt.Errorf("create device %s: %w", d.Path, err)
		}
	}
	// /dev/ptmx must be the devpts instance's ptmx (newinstance semantics),
	// not the host's /dev/ptmx node.
	if err := unix.Unlinkat(int(dev.Fd()), "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	if err := unix.Symlinkat("pts/ptmx", int(dev.Fd()), "ptmx"); err != nil {
		return fmt.Errorf("symlink /dev/ptmx: %w", err)
	}
	links := [][2]string{
		{"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"},
	}
	// runc adds /dev/core only where the host kernel has /proc/kcore.
	if _, err := os.Lstat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "core"})
	}
	for _, l := range links {
		if err := unix.Symlinkat(l[0], int(dev.Fd()), l[1]); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s: %w", l[1], err)
		}
	}
	return nil
}

// deviceMode returns the S_IF* type bits for an OCI device type.
func deviceMode(t string) (uint32, error) {
	switch t {
	case "c", "u":
		return unix.S_IFCHR, nil
	case "b":
		return unix.S_IFBLK, nil
	case "p":
		return unix.S_IFIFO, nil
	}
	return 0, fmt.Errorf("unknown device type %q", t)
}

// permBits converts a Go FileMode to the low 12 mode bits for mknod.
func permBits(m os.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		p |= unix.S_ISUID
	}
	if m&os.ModeSetgid != 0 {
		p |= unix.S_ISGID
	}
	if m&os.ModeSticky != 0 {
		p |= unix.S_ISVTX
	}
	return p
}

// createDevice makes one device node inside the rootfs. The parent is
// resolved in-root and the node is created, checked and chowned through
// *at calls on handles, never by host path: a rootfs with dev -> /dev must
// not get the runtime to mknod or chown host nodes. dev, when not nil, is
// the already resolved and checked handle of /dev, used for nodes directly
// in it.
func (s *setupState) createDevice(d specs.LinuxDevice, dev *os.File) error {
	typ, err := deviceMode(d.Type)
	if err != nil {
		return err
	}
	if d.Major < 0 || d.Minor < 0 || d.Major > 0xfffff || d.Minor > 0xfffff {
		return fmt.Errorf("invalid device number %d:%d", d.Major, d.Minor)
	}
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = permBits(*d.FileMode)
	}
	var uid, gid uint32
	if d.UID != nil {
		uid = *d.UID
	}
	if d.GID != nil {
		gid = *d.GID
	}
	parent, base, err := s.deviceParent(d.Path, dev)
	if err != nil {
		return err
	}
	if parent != dev {
		defer parent.Close()
	}
	pfd := int(parent.Fd())
	rdev := unix.Mkdev(uint32(d.Major), uint32(d.Minor))
	if typ == unix.S_IFIFO {
		rdev = 0
	}
	if s.c.UserNS && typ != unix.S_IFIFO {
		// mknod of devices is never allowed in a user namespace.
		return bindDevice(pfd, base, d.Path)
	}
	if err := unix.Mknodat(pfd, base, typ|perm, int(rdev)); err != nil {
		switch {
		case errors.Is(err, unix.EEXIST):
			// As runc: an existing node is kept as it is.
			return nil
		case errors.Is(err, unix.EPERM) && typ != unix.S_IFIFO:
			return bindDevice(pfd, base, d.Path)
		}
		return fmt.Errorf("mknod: %w", err)
	}
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new node: %w", err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat new node: %w", err)
	}
	if st.Mode&unix.S_IFMT != typ || st.Rdev != rdev {
		return fmt.Errorf("node changed after mknod (type %#o rdev %#x)", st.Mode&unix.S_IFMT, st.Rdev)
	}
	if st.Uid == uid && st.Gid == gid {
		return nil // mknod already gave it this owner; a chown would change nothing
	}
	// Chown the node we just verified, via its handle (AT_EMPTY_PATH).
	if err := unix.Fchownat(fd, "", int(uid), int(gid), unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("chown %d:%d: %w", uid, gid, err)
	}
	return nil
}

// deviceParent returns a handle of the directory that will hold the node
// at p and the node's name: dev itself for /dev/<name>, otherwise the
// parent created and resolved in-root and checked to be under the rootfs
// (the caller closes it).
func (s *setupState) deviceParent(p string, dev *os.File) (*os.File, string, error) {
	if dir, base := filepath.Split(cleanPath(p)); dir == "/dev/" && dev != nil {
		return dev, base, nil
	}
	parent, base, err := splitParent(s.root, p)
	if err != nil {
		return nil, "", err
	}
	if err := checkUnder(parent, s.rootPath); err != nil {
		parent.Close()
		return nil, "", err
	}
	return parent, base, nil
}

// bindDevice bind-mounts the host node at hostPath onto an empty file at
// parent/base (user namespaces cannot mknod devices).
func bindDevice(pfd int, base, hostPath string) error {
	if err := unix.Mknodat(pfd, base, unix.S_IFREG, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create bind target: %w", err)
	}
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open bind target: %w", err)
	}
	h := os.NewFile(uintptr(fd), base)
	defer h.Close()
	ft, _, err := fileType(h)
	if err != nil {
		return err
	}
	// O_NOFOLLOW on an O_PATH open yields the symlink itself; mounting on
	// it would go wherever the link points.
	if ft != unix.S_IFREG && ft != unix.S_IFCHR && ft != unix.S_IFBLK {
		return fmt.Errorf("bind target %s is not a file (type %#o)", base, ft)
	}
	if err := mountFd(hostPath, h, "bind", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", hostPath, err)
	}
	return nil
}
