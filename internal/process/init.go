// Package process is the parent side of starting a container's init: it
// runs the protocol of internal/syncproto (see the diagram there) from hull
// create/run.
package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/initproc"
	"github.com/hull-runtime/hull/internal/oneproc"
	"github.com/hull-runtime/hull/internal/procattr"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/syncproto"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// InitOptions describes the init to start.
type InitOptions struct {
	ID           string
	Bundle       string
	Rootfs       string
	Spec         *specs.Spec
	StateDir     string
	NoPivot      bool
	NoNewKeyring bool
	PreserveFds  int
	// SealedLowerDir is an empty directory of hull's (under --root) for
	// the sealed binary's overlay; see InitBinary.
	SealedLowerDir string
	// SeccompCacheDir keeps compiled linux.seccomp programs (see
	// seccomp.Cache); "" compiles every time.
	SeccompCacheDir string
	// StartNow: see initproc.Config.StartNow.
	StartNow bool
	// Exec starts a process in an existing container: Spec's namespaces
	// all carry paths to join, and no rootfs set-up or exec fifo is done.
	Exec bool
	// Placed is called with the first child's pid before it enters its
	// namespaces: put it in its cgroups here (a new cgroup namespace is
	// rooted at the cgroup the process is in when it unshares).
	Placed func(pid int) error
	// Hooks runs prestart and createRuntime hooks with the init's pid.
	Hooks func(pid int) error
	// CgroupMounts: see rootfs.Config.CgroupMounts.
	CgroupMounts []*mountinfo.Info
	// JoinThreadCgroups moves the calling thread into the container's
	// cgroup v1 hierarchies (cgroups.ThreadJoiner): createContainer hooks
	// that the set-up thread forks start there. Nil: they stay in hull's.
	JoinThreadCgroups func(tid int) error
	// CgroupDir, when set, is an O_PATH fd of the cgroup v2 directory
	// the first child is born in (clone3 CLONE_INTO_CGROUP; see
	// cgroups.CloneTarget). Placed still runs: it moves the child into
	// the other hierarchies, and skips the one it was born in.
	CgroupDir *os.File
}

// Init is a started container init, set up and waiting on exec.fifo.
type Init struct {
	Pid     int
	Console *os.File // pty master when process.terminal is set
	// Direct is true when the init is hull's own child (no fork in nsenter).
	Direct bool
}

// Start starts the init and drives it to Ready. On error everything it
// started is killed and reaped.
func Start(o *InitOptions) (_ *Init, retErr error) {
	plan, err := planNamespaces(o.Spec.Linux)
	if err != nil {
		return nil, err
	}
	// linux.seccomp is compiled here, before anything is started (a bad
	// profile leaves nothing behind), and through the cache: the init and
	// the exec fast path only load the program.
	var filter *seccomp.Filter
	if o.Spec.Linux != nil && o.Spec.Linux.Seccomp != nil {
		if filter, err = (seccomp.Cache{Dir: o.SeccompCacheDir}).Prepare(o.Spec.Linux.Seccomp); err != nil {
			return nil, fmt.Errorf("linux.seccomp: %w", err)
		}
	}
	if !o.Exec {
		if ex := fastExec(o.Spec, o.PreserveFds, filter); threadInitUsable(o, plan, ex) {
			return startOnThread(o, plan, ex)
		}
	}
	parentSock, childSock, err := syncproto.Pair()
	if err != nil {
		return nil, err
	}
	defer parentSock.Close()
	conn := syncproto.NewConn(parentSock)

	var dirFd *os.File
	if !o.Exec {
		fd, err := rawfile.OpenFd(o.StateDir, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			childSock.Close()
			return nil, fmt.Errorf("open state dir: %w", err)
		}
		dirFd = os.NewFile(uintptr(fd), o.StateDir)
		defer dirFd.Close()
	}

	extra := make([]*os.File, 0, o.PreserveFds+2)
	for i := 0; i < o.PreserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved-"+strconv.Itoa(3+i)))
	}
	var mountFds []int
	if plan.userNS && !o.Exec {
		files, fds, err := openMountSources(o.Spec, o.Bundle, 3+len(extra))
		if err != nil {
			childSock.Close()
			return nil, err
		}
		defer func() {
			for _, f := range files {
				f.Close()
			}
		}()
		extra = append(extra, files...)
		mountFds = fds
	}
	syncFd := 3 + len(extra)
	extra = append(extra, childSock)
	stateDirFd := -1
	if dirFd != nil {
		stateDirFd = len(extra) + 3
		extra = append(extra, dirFd)
	}

	// An exec the C constructor can finish alone (exec_fast) never
	// reaches the Go runtime.
	if o.Exec {
		plan.boot.Exec = fastExec(o.Spec, o.PreserveFds, filter)
	}
	// CVE-2019-5736: the init runs hull's binary inside the container
	// until it execs the user's program; start it from a sealed handle
	// that nobody can open for writing: of the init stub where only the
	// constructor runs, else of hull.
	binary := InitBinary
	if plan.boot.Exec != nil {
		binary = StubBinary
	}
	exePath, releaseExe, err := binary(3+len(extra), o.SealedLowerDir)
	if err != nil {
		childSock.Close()
		return nil, err
	}
	defer releaseExe()
	if !FdSafe(FdOfPath(exePath), 3+len(extra)) {
		childSock.Close()
		return nil, fmt.Errorf("too many preserved fds (%d) for the sealed hull binary at %s", o.PreserveFds, exePath)
	}
	// GOMAXPROCS=1 from the first instruction: the init runs on one
	// locked thread anyway, and a second P only makes the runtime start
	// threads for it (run -7% CPU, exec -5%, bench n=40).
	env := append([]string{initproc.EnvSyncFd + "=" + strconv.Itoa(syncFd), "GOMAXPROCS=1"}, oneproc.ChildEnv()...)
	stage0, err := forkExec(exePath, []string{"hull", "init"}, env, extra, plan.goClone, o.CgroupDir)
	if err != nil {
		childSock.Close()
		return nil, fmt.Errorf("start container init: %w", err)
	}
	childSock.Close()
	initPid := stage0
	reaped := false
	defer func() {
		if retErr == nil {
			return
		}
		if initPid != stage0 {
			unix.Kill(initPid, unix.SIGKILL)
			waitGone(initPid)
		}
		unix.Kill(stage0, unix.SIGKILL)
		if !reaped {
			reap(stage0)
		}
	}()

	if o.Placed != nil {
		if err := o.Placed(stage0); err != nil {
			return nil, err
		}
	}
	if err := conn.Send(syncproto.Bootstrap, plan.boot.Encode()); err != nil {
		return nil, err
	}
	if plan.newUser {
		if _, err := conn.Expect(syncproto.NeedIDMap); err != nil {
			return nil, childErr(err)
		}
		if err := writeIDMaps(stage0, o.Spec.Linux); err != nil {
			return nil, err
		}
		if err := conn.Send(syncproto.IDMapDone, nil); err != nil {
			return nil, err
		}
	}
	if plan.boot.Fork {
		m, err := conn.Expect(syncproto.InitPid)
		if err != nil {
			return nil, childErr(err)
		}
		if len(m.Payload) != 4 {
			return nil, errors.New("protocol: bad InitPid payload")
		}
		initPid = int(int32(uint32(m.Payload[0]) | uint32(m.Payload[1])<<8 | uint32(m.Payload[2])<<16 | uint32(m.Payload[3])<<24))
		reap(stage0)
		reaped = true
	}
	if plan.boot.Exec != nil {
		// The C constructor execs the program itself: the socket closes
		// (close-on-exec) at execve, or carries its one-line error; with
		// a terminal, the pty master comes first.
		in := &Init{Pid: initPid, Direct: !plan.boot.Fork}
		for {
			m, err := conn.Recv()
			if err == nil && m.Type == syncproto.Console && m.File != nil && in.Console == nil {
				in.Console = m.File
				continue
			}
			if err == nil || syncproto.IsChildError(err) {
				if in.Console != nil {
					in.Console.Close()
				}
				if err == nil {
					return nil, fmt.Errorf("protocol: unexpected %s from exec", m.Type)
				}
				return nil, err
			}
			return in, nil
		}
	}

	cfg := initproc.Config{
		ID:           o.ID,
		Bundle:       o.Bundle,
		Rootfs:       o.Rootfs,
		Spec:         o.Spec,
		NoPivot:      o.NoPivot,
		NoNewKeyring: o.NoNewKeyring,
		UserNS:       plan.userNS,
		NewMountNS:   plan.newMount,
		PreserveFds:  o.PreserveFds,
		StateDirFd:   stateDirFd,
		MountFds:     mountFds,
		AppArmor:     o.Spec.Process.ApparmorProfile != "" && procattr.AppArmorEnabled(),
		Exec:         o.Exec,
		StartNow:     o.StartNow,
		Seccomp:      filter,
		State: specs.State{
			Version:     specs.Version,
			ID:          o.ID,
			Status:      specs.StateCreating,
			Pid:         initPid,
			Bundle:      o.Bundle,
			Annotations: o.Spec.Annotations,
		},
	}
	if err := conn.SendJSON(syncproto.InitConfig, &cfg); err != nil {
		return nil, childErr(err)
	}
	in := &Init{Pid: initPid, Direct: !plan.boot.Fork}
	for {
		m, err := conn.Recv()
		if err != nil {
			if in.Console != nil {
				in.Console.Close()
			}
			return nil, childErr(err)
		}
		switch m.Type {
		case syncproto.RunHooks:
			if o.Hooks != nil {
				if err := o.Hooks(initPid); err != nil {
					return nil, err
				}
			}
			if err := conn.Send(syncproto.HooksDone, nil); err != nil {
				return nil, err
			}
		case syncproto.Console:
			if m.File == nil {
				return nil, errors.New("protocol: Console message without a file")
			}
			in.Console = m.File
		case syncproto.SeccompFd:
			if m.File == nil {
				return nil, errors.New("protocol: SeccompFd message without a file")
			}
			err := sendSeccompFd(o, initPid, m.File)
			m.File.Close()
			if err != nil {
				return nil, err
			}
			if err := conn.Send(syncproto.SeccompFdDone, nil); err != nil {
				return nil, err
			}
		case syncproto.Ready:
			if o.Exec {
				// Wait for execve: it closes the child's end (close-on-
				// exec), so a --pid-file names the user's program and a
				// failing last step is reported here, not lost.
				m, err := conn.Recv()
				if err == nil {
					return nil, fmt.Errorf("protocol: unexpected %s after Ready", m.Type)
				}
				if syncproto.IsChildError(err) {
					return nil, err
				}
			}
			return in, nil
		default:
			return nil, fmt.Errorf("protocol: unexpected %s", m.Type)
		}
	}
}

// childErr turns a closed socket into a clearer message; a child's own
// error passes through as it is.
func childErr(err error) error {
	if syncproto.IsChildError(err) {
		return err
	}
	if errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) || strings.Contains(err.Error(), "EOF") {
		return fmt.Errorf("container init exited during set-up: %w", err)
	}
	return err
}

func writeIDMaps(pid int, l *specs.Linux) error {
	write := func(file string, maps []specs.LinuxIDMapping) error {
		var b strings.Builder
		for _, m := range maps {
			fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
		}
		p := "/proc/" + strconv.Itoa(pid) + "/" + file
		if err := os.WriteFile(p, []byte(b.String()), 0); err != nil {
			return fmt.Errorf("linux.%s: write %s: %w", map[string]string{"uid_map": "uidMappings", "gid_map": "gidMappings"}[file], p, err)
		}
		return nil
	}
	if err := write("uid_map", l.UIDMappings); err != nil {
		return err
	}
	return write("gid_map", l.GIDMappings)
}

// waitGone waits for a process that is not our child to disappear.
func waitGone(pid int) {
	for i := 0; i < 1000; i++ {
		var ws unix.WaitStatus
		if wp, _ := unix.Wait4(pid, &ws, unix.WNOHANG, nil); wp == pid {
			return
		}
		if err := unix.Kill(pid, 0); err == unix.ESRCH {
			return
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 2_000_000}, nil)
	}
}

// sendSeccompFd passes the notify fd to linux.seccomp.listenerPath with the
// container's state, as runc does (seccomp-notify agents such as
// containerd's and podman's read exactly this).
func sendSeccompFd(o *InitOptions, pid int, fd *os.File) error {
	sc := o.Spec.Linux.Seccomp
	st := &specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: sc.ListenerMetadata,
		State: specs.State{
			Version: specs.Version, ID: o.ID, Status: specs.StateCreating, Pid: pid,
			Bundle: o.Bundle, Annotations: o.Spec.Annotations,
		},
	}
	if o.Exec {
		st.State.Status = specs.StateRunning
	}
	if err := seccomp.SendNotify(sc.ListenerPath, st, fd); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath %s: %w", sc.ListenerPath, err)
	}
	return nil
}

// openMountSources clones every bind mount's source on the host, for
// a container with a user namespace (see rootfs.Config.SourceFds). The fds
// land in the child at first, first+1, ...; others get -1.
func openMountSources(s *specs.Spec, bundle string, first int) ([]*os.File, []int, error) {
	var files []*os.File
	fds := make([]int, len(s.Mounts))
	for i, m := range s.Mounts {
		fds[i] = -1
		if !isBind(m) || m.Source == "" {
			continue
		}
		src := m.Source
		if !filepath.IsAbs(src) {
			src = filepath.Join(bundle, src)
		}
		// A detached copy of the mount (open_tree OPEN_TREE_CLONE): it
		// can be attached with move_mount in the container's mount
		// namespace, where a plain fd of a host mount would give EINVAL.
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if hasOpt(m.Options, "rbind") {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, src, flags)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, nil, fmt.Errorf("mounts[%d]: open source %s: %w", i, src, err)
		}
		fds[i] = first + len(files)
		files = append(files, os.NewFile(uintptr(fd), src))
	}
	return files, fds, nil
}

func hasOpt(opts []string, want string) bool {
	for _, o := range opts {
		if o == want {
			return true
		}
	}
	return false
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}
