package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/console"
	"github.com/hull-runtime/hull/internal/process"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/signals"
	"github.com/hull-runtime/hull/internal/state"
)

// ExecOptions are exec's flags, after the process has been built.
type ExecOptions struct {
	// BuildProcess makes the process from the container's stored state
	// (read once, under the container's lock).
	BuildProcess  func(c *state.Container) (*specs.Process, error)
	ConsoleSocket string
	Detach        bool
	PidFile       string
	PreserveFds   int
	IgnorePaused  bool
	// SubCgroup is exec --cgroup: "[controller[,controller]:]path", a
	// sub-cgroup of the container's to put the process in.
	SubCgroup string
}

// nsProcName is the /proc/<pid>/ns entry of each namespace type.
var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// Exec starts a process inside a running container: it joins every
// namespace the container has (through its init's /proc/<pid>/ns), its
// cgroups, and takes the process's own user, capabilities and limits.
// Attached, it returns the process's exit status.
func (r *Runtime) Exec(id string, o ExecOptions) (int, error) {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return 0, err
	}
	st := r.StatusOf(c)
	lock.Unlock()
	proc, err := o.BuildProcess(c)
	if err != nil {
		return 0, err
	}
	switch {
	case st == specs.StateRunning || st == specs.StateCreated:
	case st == StatePaused && o.IgnorePaused:
	default:
		return 0, &WrongStatus{Op: "exec in", ID: id, Status: st}
	}
	if proc.Terminal && o.ConsoleSocket == "" && o.Detach {
		return 0, fmt.Errorf("exec --tty --detach needs --console-socket")
	}
	s, err := execSpec(c, proc)
	if err != nil {
		return 0, err
	}
	attached := !o.Detach
	var fwd *signals.Forwarder
	if attached {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return 0, err
		}
		if fwd, err = signals.Forward(signals.Forwarded...); err != nil {
			return 0, err
		}
		defer fwd.Stop()
	}
	cg := r.cgroupOf(c)
	if o.SubCgroup != "" && cg == nil {
		return 0, fmt.Errorf("exec --cgroup %s: container %q has no cgroup", o.SubCgroup, id)
	}
	// Born in the container's cgroup on a pure v2 host; not with --cgroup,
	// which moves it to a sub-cgroup anyway.
	var cgDir *os.File
	if o.SubCgroup == "" {
		if cgDir, err = cloneDir(cg, false); err != nil {
			return 0, err
		}
		if cgDir != nil {
			defer cgDir.Close()
		}
	}
	in, err := process.Start(&process.InitOptions{
		SealedLowerDir: r.sealedLowerDir(), SeccompCacheDir: r.seccompCacheDir(),
		ID: id, Bundle: c.Bundle, Rootfs: c.Rootfs, Spec: s, Exec: true,
		PreserveFds: o.PreserveFds, NoNewKeyring: true, CgroupDir: cgDir,
		Placed: func(pid int) error {
			if cg == nil {
				return nil
			}
			if err := cg.Join(pid); err != nil {
				return fmt.Errorf("join cgroup of %s: %w", id, err)
			}
			if o.SubCgroup != "" {
				return joinSubCgroup(cg.State().Paths, o.SubCgroup, pid)
			}
			return nil
		},
	})
	if err != nil {
		return 0, err
	}
	if in.Console != nil {
		if o.ConsoleSocket != "" {
			err := sendConsole(o.ConsoleSocket, in.Console)
			in.Console.Close()
			if err != nil {
				unix.Kill(in.Pid, unix.SIGKILL)
				return 0, err
			}
		} else {
			if fwd != nil {
				if err := fwd.Remove(unix.SIGWINCH); err != nil {
					unix.Kill(in.Pid, unix.SIGKILL)
					return 0, err
				}
			}
			waitIO, restore, err := console.Attach(in.Console)
			if err != nil {
				unix.Kill(in.Pid, unix.SIGKILL)
				return 0, err
			}
			defer restore()
			defer waitIO()
		}
	}
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, in.Pid); err != nil {
			unix.Kill(in.Pid, unix.SIGKILL)
			return 0, err
		}
	}
	if !attached {
		return 0, nil
	}
	return r.forwardAndWait(in.Pid, fwd), nil
}

// execSpec is the container's config with the exec'd process and every
// namespace turned into a join of the init's. Only what it changes is
// copied: the stored config itself is left as it is.
func execSpec(c *state.Container, p *specs.Process) (*specs.Spec, error) {
	if c.Config == nil {
		return nil, fmt.Errorf("container %q has no stored config", c.ID)
	}
	s := *c.Config
	s.Process = p
	s.Hooks = nil
	if c.Config.Linux != nil {
		if !procfs.Alive(c.Pid, c.PidStartTime) {
			return nil, &WrongStatus{Op: "exec in", ID: c.ID, Status: specs.StateStopped}
		}
		l := *c.Config.Linux
		l.Namespaces = make([]specs.LinuxNamespace, len(c.Config.Linux.Namespaces))
		for i, ns := range c.Config.Linux.Namespaces {
			l.Namespaces[i] = specs.LinuxNamespace{
				Type: ns.Type,
				Path: "/proc/" + strconv.Itoa(c.Pid) + "/ns/" + nsProcName[ns.Type],
			}
		}
		s.Linux = &l
	}
	return &s, nil
}

// joinSubCgroup moves pid into path below the container's cgroup, for the
// named controllers or all of them (runc's exec --cgroup).
func joinSubCgroup(paths map[string]string, spec string, pid int) error {
	ctrls, sub, found := strings.Cut(spec, ":")
	if !found {
		sub, ctrls = ctrls, ""
	}
	clean := filepath.Clean("/" + sub)[1:]
	if sub == "" || filepath.IsAbs(sub) || clean != filepath.Clean(sub) || strings.HasPrefix(clean, "..") {
		return fmt.Errorf("exec --cgroup %q: path must be relative to the container's cgroup", spec)
	}
	want := map[string]bool{}
	for _, c := range strings.Split(ctrls, ",") {
		if c != "" {
			want[c] = true
		}
	}
	matched := false
	for key, dir := range paths {
		if len(want) > 0 && !keyHasController(key, want) {
			continue
		}
		matched = true
		target := filepath.Join(dir, clean)
		if err := os.WriteFile(filepath.Join(target, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("exec --cgroup %q: join %s: %w", spec, target, err)
		}
	}
	if !matched {
		return fmt.Errorf("exec --cgroup %q: the container has no cgroup for that controller", spec)
	}
	return nil
}

func keyHasController(key string, want map[string]bool) bool {
	for _, k := range strings.Split(key, ",") {
		if want[k] {
			return true
		}
	}
	return false
}
