package ebpf

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ProgramID is the kernel's id of a loaded BPF program (what bpftool
// prints); unlike an fd it does not keep the program alive.
type ProgramID uint32

// Program is a loaded device filter, held by its fd.
type Program struct {
	fd int
}

// FD is the program's file descriptor, valid until Close.
func (p *Program) FD() int { return p.fd }

// Close releases hull's reference; the kernel frees the program once no
// fd or attachment refers to it.
func (p *Program) Close() error {
	if p == nil || p.fd < 0 {
		return nil
	}
	err := unix.Close(p.fd)
	p.fd = -1
	if err != nil {
		return fmt.Errorf("close bpf program: %w", err)
	}
	return nil
}

// Load compiles rules and loads the program into the kernel (BPF_PROG_LOAD)
// without attaching it. The caller closes the program.
func Load(rules []specs.LinuxDeviceCgroup) (*Program, error) {
	rs, err := Emulate(rules)
	if err != nil {
		return nil, err
	}
	insts, err := Instructions(rs)
	if err != nil {
		return nil, err
	}
	code, err := Encode(insts)
	if err != nil {
		return nil, err
	}
	// The program calls no helpers, so no GPL-only one either: the
	// kernel accepts any license string for it.
	const license, name = "Apache", "hull_devices"
	fd, err := progLoad(code, license, name)
	if errors.Is(err, unix.EPERM) && raiseMemlock() == nil {
		// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK and
		// answer EPERM when it is exhausted.
		fd, err = progLoad(code, license, name)
	}
	if err != nil {
		return nil, fmt.Errorf("load device filter program: %w", err)
	}
	return &Program{fd: fd}, nil
}

// raiseMemlock lifts RLIMIT_MEMLOCK, only after a load failed for it. It
// replaces cilium/ebpf/rlimit on purpose: that package's init creates a
// BPF map and parses /proc/self/mountinfo in every process that links it
// (every hull command and every container init, about 1.7% of their CPU
// time, docs/performance.md), to detect what one failed load tells us.
func raiseMemlock() error {
	return unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY})
}

// Apply replaces the device filter of the v2 cgroup dir with one built
// from rules. The new program is attached (BPF_F_ALLOW_MULTI, so filters of
// ancestor cgroups still apply) before the old ones are detached, so there
// is no moment where the container has no filter. A plain PROG_ATTACH (no
// bpf_link) is used on purpose: it stays after hull exits, until the
// cgroup is removed or the next update replaces it.
func Apply(dir string, rules []specs.LinuxDeviceCgroup) error {
	prog, err := Load(rules)
	if err != nil {
		return err
	}
	defer prog.Close()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(fd)
	old, err := progQuery(fd, unix.BPF_CGROUP_DEVICE)
	if err != nil {
		return fmt.Errorf("query device filters of %s: %w", dir, err)
	}
	if err := progAttach(fd, prog.fd, unix.BPF_CGROUP_DEVICE, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("attach device filter to %s: %w", dir, err)
	}
	var errs []error
	for _, id := range old {
		if err := detach(fd, id); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("detach old device filters of %s: %w", dir, errors.Join(errs...))
	}
	return nil
}

// detach removes program id from the cgroup fd; PROG_DETACH names the
// program by fd, so it is opened by id first. A program that went away
// meanwhile (ENOENT) is not an error.
func detach(cgroup int, id ProgramID) error {
	fd, err := progFDByID(id)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // already gone
		}
		return fmt.Errorf("open program %d: %w", id, err)
	}
	defer unix.Close(fd)
	if err := progDetach(cgroup, fd, unix.BPF_CGROUP_DEVICE); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("detach program %d: %w", id, err)
	}
	return nil
}

// Attached lists the ids of the device programs attached directly to dir.
func Attached(dir string) ([]ProgramID, error) {
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(fd)
	ids, err := progQuery(fd, unix.BPF_CGROUP_DEVICE)
	if err != nil {
		return nil, fmt.Errorf("query device filters of %s: %w", dir, err)
	}
	return ids, nil
}
