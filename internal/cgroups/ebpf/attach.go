package ebpf

import (
	"errors"
	"fmt"

	cilium "github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Load compiles rules and loads the program into the kernel (BPF_PROG_LOAD)
// without attaching it. The caller closes the program.
func Load(rules []specs.LinuxDeviceCgroup) (*cilium.Program, error) {
	rs, err := Emulate(rules)
	if err != nil {
		return nil, err
	}
	insts, err := Instructions(rs)
	if err != nil {
		return nil, err
	}
	spec := &cilium.ProgramSpec{
		Name:         "hull_devices",
		Type:         cilium.CGroupDevice,
		License:      "Apache",
		Instructions: insts,
	}
	prog, err := cilium.NewProgram(spec)
	if errors.Is(err, unix.EPERM) && raiseMemlock() == nil {
		// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK and
		// answer EPERM when it is exhausted.
		prog, err = cilium.NewProgram(spec)
	}
	if err != nil {
		return nil, fmt.Errorf("load device filter program: %w", err)
	}
	return prog, nil
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
	old, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: cilium.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("query device filters of %s: %w", dir, err)
	}
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{
		Target: fd, Program: prog, Attach: cilium.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI,
	}); err != nil {
		return fmt.Errorf("attach device filter to %s: %w", dir, err)
	}
	var errs []error
	for _, p := range old.Programs {
		if err := detach(fd, p.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("detach old device filters of %s: %w", dir, errors.Join(errs...))
	}
	return nil
}

func detach(fd int, id cilium.ProgramID) error {
	p, err := cilium.NewProgramFromID(id)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // already gone
		}
		return fmt.Errorf("open program %d: %w", id, err)
	}
	defer p.Close()
	if err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: fd, Program: p, Attach: cilium.AttachCGroupDevice}); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("detach program %d: %w", id, err)
	}
	return nil
}

// Attached lists the ids of the device programs attached directly to dir.
func Attached(dir string) ([]cilium.ProgramID, error) {
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(fd)
	q, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: cilium.AttachCGroupDevice})
	if err != nil {
		return nil, fmt.Errorf("query device filters of %s: %w", dir, err)
	}
	ids := make([]cilium.ProgramID, 0, len(q.Programs))
	for _, p := range q.Programs {
		ids = append(ids, p.ID)
	}
	return ids, nil
}
