package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/initproc"
	"github.com/hull-runtime/hull/internal/oneproc"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/rootfs"
	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/stackgrow"
	"github.com/hull-runtime/hull/internal/state"
	"github.com/hull-runtime/hull/internal/syncproto"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A container init without a Go runtime.
//
// The Go init costs about 2 ms of CPU in every container start (runtime
// start-up, page faults, sysmon), nearly half of a `run` (docs/performance.md).
// Most of what it does is the rootfs, and a mount namespace, unlike a user
// namespace, can be entered by one thread of a multi-threaded process: after
// unshare(CLONE_FS|CLONE_NEWNS|...), a goroutine locked to its thread has a
// mount, network, IPC and UTS namespace of its own, and the rest of hull does
// not see them (the runtime makes new threads from its template thread while
// a thread is locked, never by cloning the locked one).
//
// So, where nothing needs the Go init, hull's set-up thread does the init's
// work up to pivot_root, with the same code (internal/rootfs):
//
//	CLI goroutine                         set-up thread              init (C constructor only)
//	                                      unshare, setns, keyring
//	                                      fork + exec sealed hull --> waits for Bootstrap
//	place the init in its cgroups
//	---- CgroupNS (new cgroup namespace only) ----------------------> unshare(CLONE_NEWCGROUP)
//	<--- CgroupNSDone -----------------------------------------------
//	                                      setns into the init's cgroup
//	                                      namespace
//	                                      rootfs.Setup: mounts, /proc with the
//	                                      init's pid namespace (procfs "pidns"),
//	                                      devices
//	prestart + createRuntime hooks
//	                                      createContainer hooks: joins the
//	                                      init's pid namespace (for its
//	                                      children) and v1 cgroups, forks them
//	                                      cwd, sysctls, /dev/console
//	                                      mountpoint (terminal),
//	                                      rootfs.Finalize (masked and
//	                                      read-only paths)
//	                                      thread ends
//	---- Bootstrap (ExecData + pivot + fifo) ----------------------> pivot_root
//	                                                                 terminal: pty from its
//	                                                                 devpts, bound on /dev/console
//	<--- Console (pty master, terminal only) ------------------------
//	                                                                 user, caps, seccomp,
//	                                                                 rlimits (exec_fast.h)
//	<--- Ready ------------------------------------------------------
//	                                                                 waits on exec.fifo, execve
//
// The init is forked from the set-up thread with CLONE_NEWPID, so it is pid 1
// of its own pid namespace and shares every other namespace of the thread.
// pivot_root is the init's own step: done on the thread, it would leave the
// thread without /proc/self (the container's /proc does not show hull) and
// the init would follow it only because its root was the old one.
//
// Anything the Go init does that this does not falls back to it (see
// threadInitUsable).

// threadInitUsable reports whether the set-up thread can build this
// container: new mount and pid namespaces, no user or time namespace (a
// thread cannot enter a user namespace) and no cgroup namespace to join by
// path (a new one is fine: the init makes it once it is in its cgroups, so
// that it is rooted there, and the thread joins it), no --no-pivot, no
// startContainer hooks (they run in the container after start, which the C
// init does not do; createContainer hooks are fine: createContainerHooks),
// /proc mounted at /proc, a kernel with procfs's "pidns" option, and a process the C constructor can finish (fastExec)
// without a filter that kills by default (the init still opens the fifo
// under it). A terminal is fine: the C init opens the pty after pivot_root
// and binds it onto /dev/console (init_console in exec_fast.h).
func threadInitUsable(o *InitOptions, plan *nsPlan, ex *syncproto.ExecData) bool {
	s := o.Spec
	if ex == nil || o.Exec || o.NoPivot || !plan.newMount || !plan.newPid || plan.userNS || plan.boot.Fork ||
		plan.goClone != unix.CLONE_NEWPID {
		return false
	}
	if plan.boot.CloneFlags&^(unix.CLONE_NEWNS|unix.CLONE_NEWNET|unix.CLONE_NEWIPC|unix.CLONE_NEWUTS|unix.CLONE_NEWCGROUP) != 0 {
		return false
	}
	for _, j := range plan.boot.Joins {
		if j.Type != unix.CLONE_NEWNET && j.Type != unix.CLONE_NEWIPC && j.Type != unix.CLONE_NEWUTS {
			return false
		}
	}
	if h := s.Hooks; h != nil && len(h.StartContainer) > 0 {
		return false
	}
	if s.Linux != nil && s.Linux.Seccomp != nil && seccomp.KillsByDefault(s.Linux.Seccomp.DefaultAction) {
		return false
	}
	var proc *specs.Mount
	for i := range s.Mounts {
		if filepath.Clean("/"+s.Mounts[i].Destination) == "/proc" {
			proc = &s.Mounts[i]
		}
	}
	return proc != nil && proc.Type == "proc" && rootfs.ProcMountSupported(proc.Options)
}

// startOnThread starts a container init whose rootfs the set-up thread
// builds (see above); ex is what the C constructor finishes with. On error
// the init is killed and reaped; the thread's namespaces go with it.
func startOnThread(o *InitOptions, plan *nsPlan, ex *syncproto.ExecData) (_ *Init, retErr error) {
	s := o.Spec
	parentSock, childSock, err := syncproto.Pair()
	if err != nil {
		return nil, err
	}
	defer parentSock.Close()
	defer childSock.Close()
	conn := syncproto.NewConn(parentSock)

	// rawfile, not os.OpenFile: that would try to make the O_PATH fd
	// non-blocking and register it with the poller first.
	fifoFd, err := rawfile.OpenFd(filepath.Join(o.StateDir, state.FifoName), unix.O_PATH, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo: %w", err)
	}
	fifo := os.NewFile(uintptr(fifoFd), state.FifoName)
	defer fifo.Close()
	extra := make([]*os.File, 0, o.PreserveFds+2)
	for i := 0; i < o.PreserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved-"+strconv.Itoa(3+i)))
	}
	syncFd := 3 + len(extra)
	extra = append(extra, childSock)
	ex.FifoFd = 3 + len(extra)
	extra = append(extra, fifo)
	// CVE-2019-5736: as for the Go init, a sealed copy; here of the init
	// stub, as only the C constructor runs.
	exePath, releaseExe, err := StubBinary(3+len(extra), o.SealedLowerDir)
	if err != nil {
		return nil, err
	}
	defer releaseExe()
	if !FdSafe(FdOfPath(exePath), 3+len(extra)) {
		return nil, fmt.Errorf("too many preserved fds (%d) for the sealed hull binary at %s", o.PreserveFds, exePath)
	}
	// `ps` shows "hull init <program...>" while it waits, as runc's
	// "runc init"; the constructor takes argv from the bootstrap.
	argv := append([]string{"hull", "init"}, s.Process.Args...)
	// The init puts the caller's CPU mask back (oneproc.ChildEnv).
	env := append([]string{initproc.EnvSyncFd + "=" + strconv.Itoa(syncFd)}, oneproc.ChildEnv()...)
	pid := 0

	newCgroupNS := plan.boot.CloneFlags&unix.CLONE_NEWCGROUP != 0
	// The steps below run on the set-up thread, but for placing the init
	// in its cgroups and the prestart and createRuntime hooks, which run
	// on this goroutine between them when there are hooks. Without hooks
	// the thread runs them all in one hand-off: each hand-off between this
	// goroutine and the locked thread is two thread switches (about 13 us
	// each here).
	fork := func() error {
		// Not the cgroup namespace: made here it would be rooted at
		// hull's cgroup. The init makes it below, once placed.
		flags := plan.boot.CloneFlags &^ unix.CLONE_NEWCGROUP
		if err := unix.Unshare(unix.CLONE_FS | int(flags)); err != nil {
			return fmt.Errorf("start container init: unshare namespaces %#x: %w", flags, err)
		}
		for _, j := range plan.boot.Joins {
			if err := setnsPath(j); err != nil {
				return fmt.Errorf("start container init: %w", err)
			}
		}
		if err := initproc.SetNames(s); err != nil {
			return fmt.Errorf("start container init: %w", err)
		}
		// Credentials are per thread: the init inherits this keyring.
		if err := initproc.JoinSessionKeyring(o.ID, o.NoNewKeyring); err != nil {
			return fmt.Errorf("start container init: %w", err)
		}
		var err error
		if pid, err = forkExec(exePath, argv, env, extra, unix.CLONE_NEWPID, o.CgroupDir); err != nil {
			return fmt.Errorf("start container init: %w", err)
		}
		childSock.Close()
		return nil
	}
	var pidns *rawfile.FD
	defer func() { pidns.Close() }()
	var rc *rootfs.Config
	place := func() error {
		if o.Placed != nil {
			if err := o.Placed(pid); err != nil {
				return err
			}
		}
		var err error
		if pidns, err = rawfile.Open("/proc/"+strconv.Itoa(pid)+"/ns/pid", unix.O_RDONLY, 0); err != nil {
			return fmt.Errorf("open the init's pid namespace: %w", err)
		}
		rc = &rootfs.Config{
			Spec: s, Rootfs: o.Rootfs, Bundle: o.Bundle,
			PidNSFd: pidns.Fd(), CgroupPid: pid, BeforePivot: true,
			CgroupMounts: o.CgroupMounts,
		}
		if newCgroupNS {
			return askCgroupNS(conn)
		}
		return nil
	}
	setup := func() error {
		if newCgroupNS {
			// The container's cgroupfs is mounted from here: in the
			// init's namespace it shows the container's cgroup as root.
			if err := setnsPath(syncproto.Join{Type: unix.CLONE_NEWCGROUP, Path: "/proc/" + strconv.Itoa(pid) + "/ns/cgroup"}); err != nil {
				return err
			}
		}
		return rootfs.Setup(rc)
	}
	finish := func() error {
		if cwd := s.Process.Cwd; cwd != "" && cwd != "/" {
			if err := rootfs.MakeCwd(rc, cwd); err != nil {
				return err
			}
		}
		if s.Linux != nil && len(s.Linux.Sysctl) > 0 {
			proc, err := rootfs.OpenProc(rc)
			if err != nil {
				return fmt.Errorf("linux.sysctl needs /proc in the container: %w", err)
			}
			defer proc.Close()
			if err := initproc.WriteSysctls(proc, s.Linux.Sysctl); err != nil {
				return err
			}
		}
		if s.Process.Terminal {
			// The init binds its pty here after pivot_root; make the
			// mountpoint while the root may still be written.
			if err := rootfs.PrepareConsole(rc); err != nil {
				return fmt.Errorf("process.terminal: %w", err)
			}
		}
		return rootfs.Finalize(rc)
	}
	defer func() {
		if retErr != nil && pid != 0 {
			unix.Kill(pid, unix.SIGKILL)
			reap(pid)
		}
	}()

	t := startSetupThread()
	defer t.stop()
	if h := s.Hooks; h == nil || len(h.Prestart) == 0 && len(h.CreateRuntime) == 0 && len(h.CreateContainer) == 0 {
		if err := t.do(func() error { return runSteps(fork, place, setup, finish) }); err != nil {
			return nil, err
		}
	} else {
		if err := t.do(fork); err != nil {
			return nil, err
		}
		if err := place(); err != nil {
			return nil, err
		}
		if err := t.do(setup); err != nil {
			return nil, err
		}
		if o.Hooks != nil {
			if err := o.Hooks(pid); err != nil {
				return nil, err
			}
		}
		if len(h.CreateContainer) > 0 {
			// The thread joins the container's v1 cgroups: they cannot be
			// removed (on a failure) until it is gone, so stop waits for it.
			t.waitExit = o.JoinThreadCgroups != nil
			if err := t.do(func() error { return createContainerHooks(o, pid) }); err != nil {
				return nil, err
			}
		}
		if err := t.do(finish); err != nil {
			return nil, err
		}
	}
	t.stop()
	prop, err := rootfs.RootPropagation(rc)
	if err != nil {
		return nil, err
	}
	ex.PivotRoot, ex.PivotProp = o.Rootfs, uint32(prop)
	boot := syncproto.BootstrapData{Exec: ex}
	if err := conn.Send(syncproto.Bootstrap, boot.Encode()); err != nil {
		return nil, childErr(err)
	}
	in := &Init{Pid: pid, Direct: true}
	for {
		m, err := conn.Recv()
		if err == nil && m.Type == syncproto.Console && m.File != nil && in.Console == nil && s.Process.Terminal {
			in.Console = m.File
			continue
		}
		if err == nil && m.Type == syncproto.Ready && (in.Console != nil) == s.Process.Terminal {
			return in, nil
		}
		if in.Console != nil {
			in.Console.Close()
		}
		if err != nil {
			return nil, childErr(err)
		}
		if m.File != nil {
			m.File.Close()
		}
		return nil, fmt.Errorf("protocol: unexpected %s from the init", m.Type)
	}
}

// createContainerHooks runs on the set-up thread, after prestart and
// createRuntime and before the root changes, as the Go init runs them: in
// the container's namespaces (the thread's mount, network, IPC, UTS and
// cgroup namespaces are the init's; its pid namespace is joined here for
// the thread's children) and cgroups (the thread joins the v1 hierarchies,
// the hooks are born in the v2 one where CLONE_INTO_CGROUP is used). The
// thread ends after the set-up, so none of this outlives it.
func createContainerHooks(o *InitOptions, pid int) error {
	if err := setnsPath(syncproto.Join{Type: unix.CLONE_NEWPID, Path: "/proc/" + strconv.Itoa(pid) + "/ns/pid"}); err != nil {
		return err
	}
	if o.JoinThreadCgroups != nil {
		if err := o.JoinThreadCgroups(unix.Gettid()); err != nil {
			return err
		}
	}
	st := specs.State{
		Version: specs.Version, ID: o.ID, Status: specs.StateCreating, Pid: pid,
		Bundle: o.Bundle, Annotations: o.Spec.Annotations,
	}
	return hooks.RunAllInCgroup("createContainer", o.Spec.Hooks.CreateContainer, &st, o.CgroupDir)
}

// askCgroupNS has the waiting init unshare its cgroup namespace.
func askCgroupNS(conn *syncproto.Conn) error {
	if err := conn.Send(syncproto.CgroupNS, nil); err != nil {
		return childErr(err)
	}
	m, err := conn.Expect(syncproto.CgroupNSDone)
	if err != nil {
		return childErr(err)
	}
	if m.File != nil {
		m.File.Close()
	}
	return nil
}

// setnsPath joins a namespace by path on the calling (set-up) thread.
func setnsPath(j syncproto.Join) error {
	fd, err := unix.Open(j.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", j.Path, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, int(j.Type)); err != nil {
		return fmt.Errorf("setns %s: %w", j.Path, err)
	}
	return nil
}

// setupThread runs functions on one goroutine locked to its OS thread. The
// goroutine never unlocks it: when it returns, the Go runtime ends the
// thread, and the namespaces and filesystem context it entered go with it
// (runtime.LockOSThread).
type setupThread struct {
	work    chan func() error
	done    chan error
	stopped bool
	// waitExit makes stop wait until the OS thread is gone, not only its
	// goroutine (see createContainerHooks).
	waitExit bool
	tid      int           // the worker's thread id, set before any work
	exited   chan struct{} // closed when the worker goroutine returns
}

func startSetupThread() *setupThread {
	t := &setupThread{work: make(chan func() error), done: make(chan error), exited: make(chan struct{})}
	go t.run()
	return t
}

func (t *setupThread) run() {
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() {
		// The main thread: the runtime would not end it but park it
		// for good, and /proc/self (mountinfo, ns/*) shows the thread
		// group leader's view. Keep it out of the namespaces: hold it
		// locked (so no other goroutine lands on it) while another
		// thread does the work.
		done := make(chan struct{})
		go func() {
			defer close(done)
			t.run()
		}()
		<-done
		runtime.UnlockOSThread()
		return
	}
	defer close(t.exited)
	// The rootfs set-up runs deep: grow once, here (internal/stackgrow).
	stackgrow.To16K(int(t.tid))
	t.tid = unix.Gettid()
	for f := range t.work {
		t.done <- f()
	}
}

// runSteps runs steps in order up to the first error.
func runSteps(steps ...func() error) error {
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// do runs f on the set-up thread and returns its error.
func (t *setupThread) do(f func() error) error {
	if t.stopped {
		return errors.New("set-up thread already ended")
	}
	t.work <- f
	return <-t.done
}

// stop ends the thread; it may be called more than once. With waitExit it
// returns once the kernel has released the thread (the Go runtime ends a
// locked thread right after its goroutine returns), so that nothing it
// joined still counts it.
func (t *setupThread) stop() {
	if t.stopped {
		return
	}
	t.stopped = true
	close(t.work)
	if !t.waitExit {
		return
	}
	<-t.exited
	task := "/proc/self/task/" + strconv.Itoa(t.tid)
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Microsecond) {
		if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
			return
		}
	}
}

// forkExec starts path with hull's stdio, then extra from fd 3 on, and
// cloneflags. syscall.ForkExec rather than os/exec: os.StartProcess first
// proves that pidfds work by forking a throw-away child, once per process
// (a vfork, a wait and four pidfd syscalls per container start).
//
// With cgroupDir the child is born in that cgroup v2 directory (clone3
// CLONE_INTO_CGROUP). A kernel without clone3 or CLONE_INTO_CGROUP (before
// 5.7: ENOSYS, E2BIG or EINVAL) gets a plain fork instead, and the caller's
// cgroup manager writes the pid as before (cgroups.CloneTarget).
func forkExec(path string, argv, env []string, extra []*os.File, cloneflags uintptr, cgroupDir *os.File) (int, error) {
	files := make([]uintptr, 0, 3+len(extra))
	files = append(files, os.Stdin.Fd(), os.Stdout.Fd(), os.Stderr.Fd())
	for _, f := range extra {
		files = append(files, f.Fd())
	}
	sys := &syscall.SysProcAttr{Cloneflags: cloneflags}
	if cgroupDir != nil {
		sys.UseCgroupFD, sys.CgroupFD = true, int(cgroupDir.Fd())
	}
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files, Sys: sys})
	if cgroupDir != nil && (errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.E2BIG) || errors.Is(err, unix.EINVAL)) {
		sys.UseCgroupFD, sys.CgroupFD = false, 0
		pid, err = syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files, Sys: sys})
	}
	return pid, err
}

// reap waits for a child of ours to exit.
func reap(pid int) {
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			return
		}
	}
}
