package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hull-runtime/hull/internal/cgroups"
	"github.com/hull-runtime/hull/internal/cleanup"
	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/intelrdt"
	"github.com/hull-runtime/hull/internal/process"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/spec"
	"github.com/hull-runtime/hull/internal/state"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CreateOptions are create's flags.
type CreateOptions struct {
	Bundle        string
	PidFile       string
	ConsoleSocket string
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFds   int
	// KeepConsole hands the pty master back to the caller (attached run)
	// instead of sending it to ConsoleSocket.
	KeepConsole bool
	// StartNow says `start` follows at once (run): the init waits for it
	// itself instead of in the C stub, which would cost an exec.
	StartNow bool
}

// Created is a created container.
type Created struct {
	State   *state.Container
	Console *os.File
	Direct  bool // the init is this process's child
}

// Create creates container id from a bundle. On any error it leaves nothing:
// no state dir, cgroup, mount or process.
func (r *Runtime) Create(id string, o CreateOptions) (_ *Created, retErr error) {
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", o.Bundle, err)
	}
	if err := state.ValidateID(id); err != nil {
		return nil, err
	}
	s, err := spec.Load(bundle)
	if err != nil {
		return nil, err
	}
	if s.Process == nil {
		return nil, fmt.Errorf("%s: process is required to create a container", filepath.Join(bundle, "config.json"))
	}
	if s.Process.Terminal && o.ConsoleSocket == "" && !o.KeepConsole {
		return nil, fmt.Errorf("process.terminal is true: --console-socket is required")
	}
	if !s.Process.Terminal && o.ConsoleSocket != "" {
		return nil, fmt.Errorf("--console-socket given but process.terminal is false")
	}
	rootfs, err := spec.RootfsPath(bundle, s)
	if err != nil {
		return nil, err
	}
	if s.Linux != nil {
		if err := intelrdt.Check(s.Linux.IntelRdt); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(bundle, "config.json"), err)
		}
	}

	var undo cleanup.Stack
	defer func() {
		if retErr != nil {
			undo.Clean()
		}
	}()
	lock, err := r.Store.Create(id)
	if err != nil {
		return nil, err
	}
	undo.Add(func() { r.Store.Remove(id) })
	defer lock.Unlock()
	dir := r.Store.Dir(id)
	if err := makeFifo(filepath.Join(dir, state.FifoName), s); err != nil {
		return nil, err
	}

	var cg cgroups.Manager
	if !r.CgroupDisabled {
		cgPath := ""
		if s.Linux != nil {
			cgPath = s.Linux.CgroupsPath
		}
		cg, err = cgroups.New(cgPath, id, r.Rootless)
		if err != nil {
			return nil, fmt.Errorf("linux.cgroupsPath %q: %w", cgPath, err)
		}
	}
	c := &state.Container{
		ID:             id,
		Bundle:         bundle,
		Rootfs:         rootfs,
		Created:        time.Now().UTC(),
		Annotations:    s.Annotations,
		Config:         s,
		NoPivot:        o.NoPivot,
		NoNewKeyring:   o.NoNewKeyring,
		Rootless:       r.Rootless,
		SystemdCgroup:  r.SystemdCgroup,
		CgroupDisabled: r.CgroupDisabled,
	}
	// Write-ahead: a state.json exists before anything is made, recording
	// the cgroup dirs that do not exist yet (only this create can make
	// them). A `hull create` killed at any later point leaves a stopped
	// container that `hull delete` cleans completely.
	if cg != nil {
		st := cg.State()
		b, err := cgroups.State{Mode: st.Mode, Paths: st.Paths, Created: cg.Missing()}.MarshalJSON()
		if err != nil {
			return nil, err
		}
		c.Cgroup = b
	}
	if err := r.Store.Write(c); err != nil {
		return nil, err
	}
	if cg != nil {
		// Destroy removes only what the manager recorded as made.
		undo.Add(func() { cg.Destroy() })
	}
	// On a pure v2 host the init is born in its cgroup (CLONE_INTO_CGROUP).
	cgDir, err := cloneDir(cg, true)
	if err != nil {
		return nil, fmt.Errorf("cgroup of %s: %w", id, err)
	}
	if cgDir != nil {
		defer cgDir.Close()
	}
	placed := func(pid int) error {
		if s.Linux != nil && s.Linux.IntelRdt != nil {
			g, err := intelrdt.Apply(s.Linux.IntelRdt, id, pid)
			if err != nil {
				return err
			}
			undo.Add(func() { g.Destroy() })
			c.IntelRdt = g
		}
		if cg == nil {
			return nil
		}
		if err := cg.Apply(pid); err != nil {
			return fmt.Errorf("cgroup of %s: %w", id, err)
		}
		if err := cg.Set(withDeviceRules(s)); err != nil {
			return fmt.Errorf("linux.resources: %w", err)
		}
		return nil
	}
	runHooks := func(pid int) error {
		if s.Hooks == nil {
			return nil
		}
		st := &specs.State{Version: specs.Version, ID: id, Status: specs.StateCreated, Pid: pid, Bundle: bundle, Annotations: s.Annotations}
		// prestart hooks see "created" (as runc's do, and the OCI
		// validation suite checks); createRuntime hooks see "creating".
		//nolint:staticcheck // prestart is deprecated but still sent by clients.
		if err := hooks.RunAll("prestart", s.Hooks.Prestart, st); err != nil {
			return err
		}
		st.Status = specs.StateCreating
		return hooks.RunAll("createRuntime", s.Hooks.CreateRuntime, st)
	}
	in, err := process.Start(&process.InitOptions{
		SealedLowerDir: r.sealedLowerDir(), SeccompCacheDir: r.seccompCacheDir(),
		ID: id, Bundle: bundle, Rootfs: rootfs, Spec: s, StateDir: dir,
		NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring, PreserveFds: o.PreserveFds, StartNow: o.StartNow,
		Placed: placed, Hooks: runHooks, CgroupMounts: cgroupMounts(cg), CgroupDir: cgDir,
		JoinThreadCgroups: joinThread(cg),
	})
	if err != nil {
		return nil, err
	}
	undo.Add(func() {
		unix.Kill(in.Pid, unix.SIGKILL)
		if in.Direct {
			var ws unix.WaitStatus
			unix.Wait4(in.Pid, &ws, 0, nil)
		}
	})
	if in.Console != nil {
		undo.Add(func() { in.Console.Close() })
	}
	c.Pid = in.Pid
	if st, err := procfs.ReadStat(in.Pid); err == nil {
		c.PidStartTime = st.StartTime
	}
	if cg != nil {
		b, err := cg.State().MarshalJSON()
		if err != nil {
			return nil, err
		}
		c.Cgroup = b
	}
	if err := r.Store.Write(c); err != nil {
		return nil, err
	}
	if in.Console != nil && o.ConsoleSocket != "" {
		if err := sendConsole(o.ConsoleSocket, in.Console); err != nil {
			return nil, err
		}
		in.Console.Close()
		in.Console = nil
	}
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, in.Pid); err != nil {
			return nil, err
		}
	}
	return &Created{State: c, Console: in.Console, Direct: in.Direct}, nil
}

// writePidFile writes the pid as runc does: decimal, no newline, atomically.
func writePidFile(path string, pid int) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := rawfile.WriteFile(tmp, []byte(strconv.Itoa(pid)), unix.O_CREAT|unix.O_TRUNC, 0o644); err != nil {
		return fmt.Errorf("--pid-file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("--pid-file %s: %w", path, err)
	}
	return nil
}

// makeFifo makes exec.fifo writable by the container's root, which in a
// user namespace is some other host uid (as runc: mode 0622, chowned).
func makeFifo(path string, s *specs.Spec) error {
	if err := unix.Mkfifo(path, 0o622); err != nil {
		return fmt.Errorf("create exec fifo: %w", err)
	}
	// mkfifo applies the umask (0o022 leaves 0o600): the container's
	// user, not root in the container, opens it from the waiting init.
	if err := unix.Chmod(path, 0o622); err != nil {
		return fmt.Errorf("chmod exec fifo: %w", err)
	}
	uid, gid := rootIDs(s)
	if uid != 0 || gid != 0 {
		if err := os.Chown(path, uid, gid); err != nil {
			return fmt.Errorf("chown exec fifo: %w", err)
		}
	}
	return nil
}

// rootIDs is the host uid and gid of the container's root.
func rootIDs(s *specs.Spec) (int, int) {
	uid, gid := 0, 0
	if s.Linux == nil {
		return uid, gid
	}
	for _, m := range s.Linux.UIDMappings {
		if m.ContainerID == 0 {
			uid = int(m.HostID)
		}
	}
	for _, m := range s.Linux.GIDMappings {
		if m.ContainerID == 0 {
			gid = int(m.HostID)
		}
	}
	return uid, gid
}

// cloneDir returns the container's cgroup v2 directory for the first child
// to be born in (cgroups.CloneTarget), creating it when create is set, or
// nil where the host or manager cannot use one.
func cloneDir(cg cgroups.Manager, create bool) (*os.File, error) {
	ct, ok := cg.(cgroups.CloneTarget)
	if !ok {
		return nil, nil
	}
	fd, err := ct.CloneDir(create)
	if err != nil || fd < 0 {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "cgroup"), nil
}

// joinThread lets the set-up thread join the container's cgroup v1
// hierarchies before it forks createContainer hooks; nil without a manager.
func joinThread(cg cgroups.Manager) func(tid int) error {
	if tj, ok := cg.(cgroups.ThreadJoiner); ok {
		return tj.JoinThread
	}
	return nil
}

// cgroupMounts hands the cgroup mounts the manager read on to the rootfs
// set-up (rootfs.Config.CgroupMounts); nil without a manager.
func cgroupMounts(cg cgroups.Manager) []*mountinfo.Info {
	if ml, ok := cg.(cgroups.MountLister); ok {
		return ml.CgroupMounts()
	}
	return nil
}
