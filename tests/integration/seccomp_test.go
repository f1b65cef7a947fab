package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/tests/testutil"
)

// mkdirDenyProfile allows everything but mkdir(2)/mkdirat(2), which fail
// with EPERM.
func mkdirDenyProfile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}},
	}
}

// sysnoSource is a static helper for the container: each argument is
// "nr[,arg0[,arg1...]]"; it makes that raw syscall and prints
// "ARG RET ERRNO". Go, not busybox, so any syscall number can be tried.
const sysnoSource = `package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	for _, a := range os.Args[1:] {
		var v [6]uintptr
		for i, p := range strings.Split(a, ",") {
			n, err := strconv.ParseUint(p, 0, 64)
			if err != nil || i >= len(v) {
				fmt.Println("bad argument", a)
				os.Exit(2)
			}
			v[i] = uintptr(n)
		}
		r, _, e := syscall.Syscall6(v[0], v[1], v[2], v[3], v[4], v[5], 0)
		fmt.Printf("%s %d %d\n", a, int64(r), int(e))
	}
}
`

// installSysno builds the helper with CGO_ENABLED=0 (static, so the busybox
// rootfs needs no libc) and copies it to /bin/sysno in b's rootfs.
func installSysno(t *testing.T, b *testutil.Bundle) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the syscall numbers these tests use are x86_64's, this is %s", runtime.GOARCH)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go toolchain not found to build the syscall helper: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(sysnoSource), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(b.Rootfs, "bin", "sysno")
	cmd := exec.Command(goBin, "build", "-o", out, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build syscall helper: %v\n%s", err, o)
	}
}

// sysnoErrnos parses the helper's output into argument -> errno.
func sysnoErrnos(t *testing.T, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("helper line %q", l)
		}
		e, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("helper line %q: %v", l, err)
		}
		m[f[0]] = e
	}
	return m
}

// sysnoRet parses the helper's output into argument -> return value.
func sysnoRet(t *testing.T, out string) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("helper line %q", l)
		}
		r, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatalf("helper line %q: %v", l, err)
		}
		m[f[0]] = r
	}
	return m
}

// TestSeccompMkdirEPERM: a profile that denies mkdir makes it fail with
// EPERM inside, and nothing is created; the same container without the
// profile can mkdir (so EPERM comes from the filter).
func TestSeccompMkdirEPERM(t *testing.T) {
	t.Parallel()
	const script = "grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?"
	r, b, _ := runScript(t, script, func(s *specs.Spec) { s.Linux.Seccomp = mkdirDenyProfile() })
	testutil.MustOK(t, r)
	if !strings.Contains(r.Stdout, "Seccomp:\t2") {
		t.Errorf("output %q, want Seccomp: 2", r.Stdout)
	}
	if !strings.Contains(r.Stdout, "Operation not permitted") || strings.Contains(r.Stdout, "rc=0") {
		t.Errorf("mkdir under the profile: %q, want EPERM", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "tmp/d")); !os.IsNotExist(err) {
		t.Errorf("directory exists after a denied mkdir: %v", err)
	}
	r, b, _ = runScript(t, script, nil)
	testutil.MustOK(t, r)
	if !strings.Contains(r.Stdout, "rc=0") {
		t.Errorf("mkdir without a profile: %q", r.Stdout)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "tmp/d")); err != nil {
		t.Errorf("mkdir without a profile: %v", err)
	}
}

// TestSeccompErrnoRet: a rule's errnoRet is the errno the syscall gets.
func TestSeccompErrnoRet(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "mkdir /tmp/d 2>&1; echo rc=$?", func(s *specs.Spec) {
		p := mkdirDenyProfile()
		p.Syscalls[0].ErrnoRet = ptr(uint(unix.EROFS))
		s.Linux.Seccomp = p
	})
	if !strings.Contains(out, "Read-only file system") {
		t.Errorf("mkdir with errnoRet EROFS: %q", out)
	}
}

// podmanProfile converts containers-common's seccomp.json for amd64 and the
// given capabilities the way podman does before calling the runtime.
func podmanProfile(t *testing.T, caps []string) *specs.LinuxSeccomp {
	t.Helper()
	raw, err := os.ReadFile(seccomp.ContainersProfilePath)
	if err != nil {
		t.Skipf("podman's default profile: %v", err)
	}
	p, err := seccomp.FromContainersProfile(raw, "amd64", caps)
	if err != nil {
		t.Fatalf("podman's profile: %v", err)
	}
	return p
}

// withPodmanProfile gives the container podman's capabilities and profile.
func withPodmanProfile(t *testing.T, s *specs.Spec) {
	caps := seccomp.ContainersDefaultCaps
	s.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps,
	}
	s.Linux.Seccomp = podmanProfile(t, caps)
}

// TestSeccompPodmanProfile: podman's default profile loads, ordinary tools
// work under it, and it blocks what it should (acct without CAP_SYS_PACCT
// gets EPERM; a syscall newer than the profile gets ENOSYS).
func TestSeccompPodmanProfile(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "grep ^Seccomp: /proc/self/status; ls /; mkdir /tmp/ok && echo mkdir-ok; sysno 39 163 1000")
	installSysno(t, b)
	b.Edit(func(s *specs.Spec) { withPodmanProfile(t, s) })
	root := testutil.Root(t)
	r := testutil.MustOK(t, testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID))
	for _, want := range []string{"Seccomp:\t2", "bin\n", "mkdir-ok"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output %q lacks %q", r.Stdout, want)
		}
	}
	var helper []string
	for _, l := range lines(r.Stdout) {
		if f := strings.Fields(l); len(f) == 3 && (f[0] == "39" || f[0] == "163" || f[0] == "1000") {
			helper = append(helper, l)
		}
	}
	got := sysnoErrnos(t, strings.Join(helper, "\n"))
	if got["39"] != 0 || got["163"] != int(unix.EPERM) || got["1000"] != int(unix.ENOSYS) {
		t.Errorf("errnos %v, want getpid 0, acct EPERM (1), 1000 ENOSYS (38)", got)
	}
	testutil.AssertNothingLeft(t, root, b)
}

// TestSeccompDefaultErrnoRet: with an errno default, a known syscall the
// profile does not allow gets defaultErrnoRet, while one newer than the
// profile gets ENOSYS (so libc falls back) rather than defaultErrnoRet.
func TestSeccompDefaultErrnoRet(t *testing.T) {
	t.Parallel()
	const tuxcall = "184" // known to libseccomp, absent from podman's profile, ENOSYS in the kernel
	b := testutil.NewBundle(t, "sysno", "39", tuxcall, "1000")
	installSysno(t, b)
	b.Edit(func(s *specs.Spec) {
		withPodmanProfile(t, s)
		s.Linux.Seccomp.DefaultErrnoRet = ptr(uint(unix.EACCES))
	})
	root := testutil.Root(t)
	r := testutil.MustOK(t, testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID))
	got := sysnoErrnos(t, r.Stdout)
	if got["39"] != 0 || got[tuxcall] != int(unix.EACCES) || got["1000"] != int(unix.ENOSYS) {
		t.Errorf("errnos %v, want getpid 0, tuxcall EACCES (13), 1000 ENOSYS (38)", got)
	}
}

// TestSeccompArgConditions: a rule with an argument condition only matches
// those arguments: personality(0xffffffff) is denied, personality(query
// with another value) is not; SCMP_CMP_MASKED_EQ matches by bit mask.
func TestSeccompArgConditions(t *testing.T) {
	t.Parallel()
	const (
		query  = "135,0xffffffff" // personality(0xffffffff): read the persona
		linux  = "135,0"          // personality(PER_LINUX)
		uname6 = "135,0x20000"    // personality(UNAME26)
	)
	b := testutil.NewBundle(t, "sysno", query, linux, uname6)
	installSysno(t, b)
	b.Edit(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: ptr(uint(unix.EPERM)),
					Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
				// MASKED_EQ: any persona with bit 0x20000 (UNAME26) gets EACCES.
				{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: ptr(uint(unix.EACCES)),
					Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0x20000, ValueTwo: 0x20000, Op: specs.OpMaskedEqual}}},
			},
		}
	})
	root := testutil.Root(t)
	r := testutil.MustOK(t, testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID))
	got := sysnoErrnos(t, r.Stdout)
	if got[query] != int(unix.EPERM) || got[linux] != 0 || got[uname6] != int(unix.EACCES) {
		t.Errorf("errnos %v, want personality(0xffffffff) EPERM, personality(0) 0, personality(UNAME26) EACCES", got)
	}
}

// seccompNotif and seccompNotifResp are struct seccomp_notif and
// struct seccomp_notif_resp from linux/seccomp.h.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  struct {
		Nr                 int32
		Arch               uint32
		InstructionPointer uint64
		Args               [6]uint64
	}
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// notifyAgent is a seccomp agent on a unix socket: for each connection (the
// container's init, then every exec) it receives the listener fd and the
// container state, then answers every notification with success (return 0)
// without running the syscall.
type notifyAgent struct {
	Path string

	mu     sync.Mutex
	states []specs.ContainerProcessState
	nrs    []int32
	pids   []uint32
	errs   []error

	ln   *net.UnixListener
	stop chan struct{}
	wg   sync.WaitGroup
}

func startNotifyAgent(t *testing.T) *notifyAgent {
	t.Helper()
	a := &notifyAgent{Path: filepath.Join(t.TempDir(), "agent.sock"), stop: make(chan struct{})}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: a.Path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	a.ln = ln
	a.wg.Add(1)
	go a.acceptLoop()
	t.Cleanup(a.Stop)
	return a
}

// Stop ends the agent and waits for it.
func (a *notifyAgent) Stop() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	a.ln.Close()
	a.wg.Wait()
}

// snapshot returns what the agent has seen so far.
func (a *notifyAgent) snapshot() (states []specs.ContainerProcessState, nrs []int32, pids []uint32, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.states), slices.Clone(a.nrs), slices.Clone(a.pids), errors.Join(a.errs...)
}

func (a *notifyAgent) fail(err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.mu.Unlock()
}

func (a *notifyAgent) acceptLoop() {
	defer a.wg.Done()
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			select {
			case <-a.stop:
			default:
				a.fail(fmt.Errorf("accept: %w", err))
			}
			return
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := a.serve(conn); err != nil {
				a.fail(err)
			}
		}()
	}
}

func (a *notifyAgent) serve(conn *net.UnixConn) error {
	defer conn.Close()
	buf := make([]byte, 1<<16)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return fmt.Errorf("recvmsg: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return fmt.Errorf("want one SCM_RIGHTS message, got %d (%v)", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return fmt.Errorf("want exactly one fd, got %d (%v)", len(fds), err)
	}
	fd := fds[0]
	defer unix.Close(fd)
	var st specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &st); err != nil {
		return fmt.Errorf("state %q: %w", buf[:n], err)
	}
	a.mu.Lock()
	a.states = append(a.states, st)
	a.mu.Unlock()
	for {
		select {
		case <-a.stop:
			return nil
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(pfd, 100); n <= 0 || pfd[0].Revents&unix.POLLIN == 0 {
			continue
		}
		// The kernel wants a zeroed struct (EINVAL otherwise).
		var req seccompNotif
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.SECCOMP_IOCTL_NOTIF_RECV), uintptr(unsafe.Pointer(&req))); e != 0 {
			// ENOENT: the target died before we received it.
			continue
		}
		a.mu.Lock()
		a.nrs = append(a.nrs, req.Data.Nr)
		a.pids = append(a.pids, req.Pid)
		a.mu.Unlock()
		resp := seccompNotifResp{ID: req.ID}
		_, _, _ = unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(unix.SECCOMP_IOCTL_NOTIF_SEND), uintptr(unsafe.Pointer(&resp)))
	}
}

// notifiedMkdir reports whether the agent answered a mkdir from pid.
func notifiedMkdir(nrs []int32, pids []uint32, pid int) bool {
	for i, nr := range nrs {
		if (nr == unix.SYS_MKDIR || nr == unix.SYS_MKDIRAT) && int(pids[i]) == pid {
			return true
		}
	}
	return false
}

// TestSeccompNotify: with SCMP_ACT_NOTIFY and listenerPath, the runtime
// sends the listener fd and the container state (with listenerMetadata) to
// the agent, which answers mkdir with success: mkdir exits 0 and nothing is
// created.
func TestSeccompNotify(t *testing.T) {
	t.Parallel()
	agent := startNotifyAgent(t)
	b := testutil.NewBundle(t, "mkdir", "/tmp/agent-made")
	b.Edit(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction:    specs.ActAllow,
			ListenerPath:     agent.Path,
			ListenerMetadata: "hull-meta-1",
			Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations["hull.test"] = "notify"
	})
	root := testutil.Root(t)
	r := testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID)
	agent.Stop()
	states, nrs, pids, err := agent.snapshot()
	if err != nil {
		t.Fatalf("agent: %v (run: %s)", err, r)
	}
	if !r.OK() {
		t.Fatalf("mkdir answered by the agent: %s", r)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "tmp/agent-made")); !os.IsNotExist(err) {
		t.Errorf("the agent answered mkdir, yet the directory exists (%v): the syscall ran", err)
	}
	if len(states) != 1 {
		t.Fatalf("agent got %d connections, want 1", len(states))
	}
	st := states[0]
	if st.Metadata != "hull-meta-1" || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName {
		t.Errorf("metadata/fds = %q/%q, want hull-meta-1/[%s]", st.Metadata, st.Fds, specs.SeccompFdName)
	}
	if st.State.ID != b.ID || st.State.Bundle != b.Dir || st.Pid <= 0 || st.State.Pid != st.Pid {
		t.Errorf("state = %+v, want id %s, bundle %s and the init pid", st.State, b.ID, b.Dir)
	}
	if st.State.Annotations["hull.test"] != "notify" {
		t.Errorf("state annotations = %v", st.State.Annotations)
	}
	if !notifiedMkdir(nrs, pids, st.Pid) {
		t.Errorf("agent saw syscalls %v from pids %v; want mkdir from the init %d", nrs, pids, st.Pid)
	}
	testutil.AssertNothingLeft(t, root, b)
}

// TestSeccompNotifyExec: an exec'd process gets its own listener fd, sent
// to the same agent with the running container's state, and its mkdir is
// answered by the agent too.
func TestSeccompNotifyExec(t *testing.T) {
	t.Parallel()
	agent := startNotifyAgent(t)
	root, b, init := execTarget(t, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction:    specs.ActAllow,
			ListenerPath:     agent.Path,
			ListenerMetadata: "hull-meta-exec",
			Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	r := execIn(t, root, b.ID, []string{"--pid-file", pidFile}, "mkdir", "/tmp/exec-agent-made")
	states, nrs, pids, err := agent.snapshot()
	if err != nil {
		t.Fatalf("agent: %v (exec: %s)", err, r)
	}
	testutil.MustOK(t, r)
	if _, err := os.Stat(filepath.Join(b.Rootfs, "tmp/exec-agent-made")); !os.IsNotExist(err) {
		t.Errorf("the agent answered mkdir, yet the directory exists (%v): the syscall ran", err)
	}
	if len(states) != 2 {
		t.Fatalf("agent got %d connections, want 2 (create and exec): %+v", len(states), states)
	}
	st := states[1]
	execPid := readPidFile(t, pidFile)
	if st.State.ID != b.ID || st.Metadata != "hull-meta-exec" || st.Pid != execPid || st.State.Status != specs.StateRunning {
		t.Errorf("exec's state = %+v (pid %d), want id %s, metadata hull-meta-exec, pid %d, status running", st.State, st.Pid, b.ID, execPid)
	}
	if states[0].Pid != init.Pid {
		t.Errorf("create's state pid %d, want the init %d", states[0].Pid, init.Pid)
	}
	if !notifiedMkdir(nrs, pids, execPid) {
		t.Errorf("agent saw syscalls %v from pids %v; want mkdir from the exec'd %d", nrs, pids, execPid)
	}
}

// TestSeccompRefusingGetcwd: a profile that refuses getcwd (the OCI suite's
// linux_seccomp) still runs the container, in the configured cwd, for a
// created-then-started container and for exec. hull's own cwd check
// (CVE-2024-21626) runs before the filter is loaded.
func TestSeccompRefusingGetcwd(t *testing.T) {
	t.Parallel()
	edit := func(s *specs.Spec) {
		s.Process.Cwd = "/tmp"
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno}},
		}
	}
	// busybox pwd falls back to $PWD when getcwd fails; ls . shows where we are.
	if out := scriptOutput(t, "touch here-i-am; ls /tmp", edit); !strings.Contains(out, "here-i-am") {
		t.Errorf("container did not run in /tmp under a profile refusing getcwd: %q", out)
	}
	b := testutil.NewBundle(t, "sleep", "100")
	b.Edit(edit)
	root := testutil.Root(t)
	startDetached(t, root, b)
	t.Cleanup(func() { testutil.Hull(t, root, "delete", "-f", b.ID) })
	r := testutil.MustOK(t, testutil.Hull(t, root, "exec", "--cwd", "/etc", b.ID, "ls", "passwd"))
	if strings.TrimSpace(r.Stdout) != "passwd" {
		t.Errorf("exec --cwd /etc under the profile: %s", r)
	}
}

// TestSeccompCompiledOnce: hull compiles a profile once per --root: the
// second container with the same profile (a run, then an exec into it) uses
// the entry the first one left in <root>/@seccomp-cache, and is filtered
// just the same. `hull list` does not show the cache.
func TestSeccompCompiledOnce(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	cache := filepath.Join(root, "@seccomp-cache")
	const script = "grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?"
	check := func(r testutil.Result, what string) {
		t.Helper()
		testutil.MustOK(t, r)
		if !strings.Contains(r.Stdout, "Seccomp:\t2") || !strings.Contains(r.Stdout, "Operation not permitted") {
			t.Errorf("%s: %q, want Seccomp: 2 and EPERM from mkdir", what, r.Stdout)
		}
	}
	entry := func() (string, time.Time) {
		t.Helper()
		ents, err := os.ReadDir(cache)
		if err != nil || len(ents) != 1 {
			t.Fatalf("%s holds %v (%v), want one entry", cache, ents, err)
		}
		st, err := os.Stat(filepath.Join(cache, ents[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		return ents[0].Name(), st.ModTime()
	}
	b1 := testutil.NewBundle(t, "sh", "-c", script)
	b1.Edit(func(s *specs.Spec) { s.Linux.Seccomp = mkdirDenyProfile() })
	check(testutil.Hull(t, root, "run", "--bundle", b1.Dir, b1.ID), "first run")
	name, mtime := entry()

	b2 := testutil.NewBundle(t, "sleep", "100")
	b2.Edit(func(s *specs.Spec) { s.Linux.Seccomp = mkdirDenyProfile() })
	startDetached(t, root, b2)
	t.Cleanup(func() { testutil.Hull(t, root, "delete", "-f", b2.ID) })
	check(testutil.Hull(t, root, "exec", b2.ID, "sh", "-c", script), "exec into the second container")
	if n, m := entry(); n != name || !m.Equal(mtime) {
		t.Errorf("cache entry %s (%v) became %s (%v): compiled again", name, mtime, n, m)
	}
	if r := testutil.MustOK(t, testutil.Hull(t, root, "list", "-q")); strings.TrimSpace(r.Stdout) != b2.ID {
		t.Errorf("list -q = %q, want only %s", r.Stdout, b2.ID)
	}
}
