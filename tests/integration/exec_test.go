package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// execTarget starts a detached container that sleeps, after applying edit
// (may be nil), and returns its --root, bundle and state.
func execTarget(t *testing.T, edit func(*specs.Spec)) (string, *testutil.Bundle, testutil.StateJSON) {
	t.Helper()
	b := testutil.NewBundle(t, "sleep", "3600")
	if edit != nil {
		b.Edit(edit)
	}
	root := testutil.Root(t)
	return root, b, startDetached(t, root, b)
}

// execOutput runs `exec ID args...`, requires success and returns stdout
// trimmed.
func execOutput(t *testing.T, root, id string, args ...string) string {
	t.Helper()
	r := testutil.MustOK(t, testutil.Hull(t, root, append([]string{"exec"}, append(args[:len(args):len(args)], id)...)...))
	return strings.TrimSpace(r.Stdout)
}

// execIn runs `exec [flags...] ID cmd...`; flags and the command are split
// at the id so tests read like the command line.
func execIn(t *testing.T, root, id string, flags []string, cmd ...string) testutil.Result {
	t.Helper()
	args := append([]string{"exec"}, flags...)
	args = append(args, id)
	return testutil.Hull(t, root, append(args, cmd...)...)
}

// execScript is execIn of `sh -c script` that must succeed; it returns
// stdout trimmed.
func execScript(t *testing.T, root, id string, flags []string, script string) string {
	t.Helper()
	r := testutil.MustOK(t, execIn(t, root, id, flags, "sh", "-c", script))
	return strings.TrimSpace(r.Stdout)
}

// readPidFile waits briefly for a pid file and parses it.
func readPidFile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			pid, perr := strconv.Atoi(strings.TrimSpace(string(data)))
			if perr != nil || pid <= 0 {
				t.Fatalf("pid file %s holds %q, want a pid", path, data)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid file %s: %v", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// procCgroupLines returns /proc/<pid>/cgroup sorted, so two processes in
// the same cgroups compare equal.
func procCgroupLines(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatalf("read cgroups of %d: %v", pid, err)
	}
	l := lines(string(data))
	slices.Sort(l)
	return l
}

// execNsTypes are the /proc/<pid>/ns entries an exec'd process must share
// with the container's init.
var execNsTypes = []string{"pid", "net", "mnt", "uts", "ipc", "user", "cgroup"}

// TestExecOutputAndStatus: exec prints the process's output and returns its
// exit status.
func TestExecOutputAndStatus(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	r := execIn(t, root, b.ID, nil, "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.Code != 3 {
		t.Errorf("exit status %d, want 3: %s", r.Code, r)
	}
	if strings.TrimSpace(r.Stdout) != "out" || !strings.Contains(r.Stderr, "err") {
		t.Errorf("stdout/stderr = %q/%q, want out/err", r.Stdout, r.Stderr)
	}
	if out := execScript(t, root, b.ID, nil, "echo ok"); out != "ok" {
		t.Errorf("exec echo ok printed %q", out)
	}
	// The container keeps running after execs come and go.
	if st := testutil.State(t, root, b.ID); st.Status != "running" {
		t.Errorf("status after exec = %q, want running", st.Status)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestExecProcessFile: -p/--process takes the whole process from an OCI
// process JSON file (args, env, cwd, user), ignoring the container's.
func TestExecProcessFile(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	p := specs.Process{
		Args: []string{"sh", "-c", `echo "$FROM_FILE"; pwd; id -u; id -g; umask`},
		Env:  []string{"PATH=/bin:/usr/bin", "FROM_FILE=process-json"},
		Cwd:  "/tmp",
		User: specs.User{UID: 1000, GID: 1000, Umask: ptr(uint32(0o077))},
	}
	data, err := json.Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"-p", "--process"} {
		out := execOutput(t, root, b.ID, flag, file)
		if want := "process-json\n/tmp\n1000\n1000\n0077"; out != want {
			t.Errorf("exec %s: output %q, want %q", flag, out, want)
		}
	}
}

// TestExecTty: -t with --console-socket (and -d, as runc requires and
// containerd does) sends a pty master; inside, the process's terminal is a
// pts of the container's devpts.
func TestExecTty(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	cs := testutil.NewConsoleSocket(t)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	testutil.MustOK(t, execIn(t, root, b.ID, []string{"-t", "-d", "--console-socket", cs.Path, "--pid-file", pidFile}, "sh", "-c", "tty; echo done; sleep 1"))
	testutil.TrackProcess(t, readPidFile(t, pidFile))
	master := cs.Master(t, 15*time.Second)
	out := testutil.ReadUntil(master, "done", 15*time.Second)
	if !regexp.MustCompile(`/dev/pts/[0-9]+`).MatchString(out) {
		t.Errorf("tty inside printed %q, want /dev/pts/N", out)
	}
}

// TestExecDetachPidFile: -d returns at once; --pid-file names a live
// process in the container's cgroups and namespaces.
func TestExecDetachPidFile(t *testing.T) {
	t.Parallel()
	root, b, st := execTarget(t, nil)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	start := time.Now()
	testutil.MustOK(t, execIn(t, root, b.ID, []string{"-d", "--pid-file", pidFile}, "sleep", "3600"))
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("exec -d took %v: it waited for the process", d)
	}
	pid := readPidFile(t, pidFile)
	testutil.TrackProcess(t, pid)
	if pid == st.Pid {
		t.Fatalf("pid file names the init (%d)", pid)
	}
	if !testutil.PidAlive(pid) {
		t.Fatalf("exec'd pid %d is not alive", pid)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(string(cmdline), "3600") {
		t.Errorf("pid %d runs %q, want sleep 3600", pid, cmdline)
	}
	if got, want := procCgroupLines(t, pid), procCgroupLines(t, st.Pid); !slices.Equal(got, want) {
		t.Errorf("exec'd process cgroups %q, init's %q", got, want)
	}
	if cg := strings.Join(procCgroupLines(t, pid), "\n"); !strings.Contains(cg, b.CgroupsPath) {
		t.Errorf("exec'd process cgroups %q do not include %s", cg, b.CgroupsPath)
	}
	for _, ns := range execNsTypes {
		got, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		want, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", st.Pid, ns))
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("ns %s: exec'd %q (%v), init %q (%v)", ns, got, err1, want, err2)
		}
	}
	// ps lists it, and it dies with the container.
	ps := testutil.MustOK(t, testutil.Hull(t, root, "ps", "--format", "json", b.ID))
	if !strings.Contains(ps.Stdout, strconv.Itoa(pid)) {
		t.Errorf("ps %s = %q, missing exec'd pid %d", b.ID, ps.Stdout, pid)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	if !testutil.WaitPidGone(pid, 10*time.Second) {
		t.Errorf("exec'd pid %d survived delete --force", pid)
	}
	testutil.AssertNothingLeft(t, root, b)
}

// TestExecCwdEnvUser: --cwd, repeated -e, -u uid:gid and repeated -g.
func TestExecCwdEnvUser(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	t.Run("cwd", func(t *testing.T) {
		if out := execScript(t, root, b.ID, []string{"--cwd", "/tmp"}, "pwd"); out != "/tmp" {
			t.Errorf("pwd = %q, want /tmp", out)
		}
		if out := execScript(t, root, b.ID, nil, "pwd"); out != "/" {
			t.Errorf("pwd without --cwd = %q, want the container's /", out)
		}
	})
	t.Run("env", func(t *testing.T) {
		out := execScript(t, root, b.ID, []string{"-e", "ONE=1", "-e", "TWO=a b=c"}, `echo "$ONE|$TWO|$PATH"`)
		parts := strings.Split(out, "|")
		if len(parts) != 3 || parts[0] != "1" || parts[1] != "a b=c" || parts[2] == "" {
			t.Errorf("env inside = %q, want 1|a b=c|<container PATH>", out)
		}
		if out := execScript(t, root, b.ID, []string{"--env", "THREE=3"}, `echo "$THREE"`); out != "3" {
			t.Errorf("--env THREE=3: %q", out)
		}
	})
	t.Run("user", func(t *testing.T) {
		out := execScript(t, root, b.ID, []string{"-u", "1000:1000", "-g", "10", "-g", "20"}, "id -u; id -g; id -G")
		l := lines(out)
		if len(l) != 3 || l[0] != "1000" || l[1] != "1000" {
			t.Fatalf("id output %q, want uid/gid 1000", out)
		}
		groups := strings.Fields(l[2])
		for _, g := range []string{"10", "20"} {
			if !slices.Contains(groups, g) {
				t.Errorf("id -G = %q, missing %s", l[2], g)
			}
		}
		if slices.Contains(groups, "0") {
			t.Errorf("id -G = %q: root's group leaked in", l[2])
		}
		if out := execScript(t, root, b.ID, []string{"--user", "1000", "--additional-gids", "20"}, "id -u; id -G"); !strings.HasPrefix(out, "1000\n") || !slices.Contains(strings.Fields(out), "20") {
			t.Errorf("--user 1000 --additional-gids 20: id -u; id -G = %q", out)
		}
	})
}

// TestExecCap: -c adds a capability to the effective (and bounding,
// permitted) set but never to the inheritable one (CVE-2022-29162).
func TestExecCap(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	const ptrace = uint64(1) << 19 // CAP_SYS_PTRACE
	bits := func(out, key string) uint64 {
		v, err := strconv.ParseUint(procStatus(out)[key], 16, 64)
		if err != nil {
			t.Fatalf("%s in %q: %v", key, out, err)
		}
		return v
	}
	before := execScript(t, root, b.ID, nil, "grep ^Cap /proc/self/status")
	if bits(before, "CapEff")&ptrace != 0 {
		t.Fatalf("CAP_SYS_PTRACE already effective without -c: %q", before)
	}
	for _, flag := range []string{"-c", "--cap"} {
		out := execScript(t, root, b.ID, []string{flag, "CAP_SYS_PTRACE"}, "grep ^Cap /proc/self/status")
		for _, k := range []string{"CapEff", "CapPrm", "CapBnd"} {
			if bits(out, k)&ptrace == 0 {
				t.Errorf("%s %s: %s lacks CAP_SYS_PTRACE: %q", flag, "CAP_SYS_PTRACE", k, out)
			}
		}
		if bits(out, "CapInh")&ptrace != 0 {
			t.Errorf("%s CAP_SYS_PTRACE made it inheritable: %q", flag, out)
		}
	}
}

// TestExecNoNewPrivs: --no-new-privs sets it for the exec'd process even
// when the container's process has it off.
func TestExecNoNewPrivs(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, func(s *specs.Spec) { s.Process.NoNewPrivileges = false })
	if out := execScript(t, root, b.ID, nil, "grep ^NoNewPrivs /proc/self/status"); procStatus(out)["NoNewPrivs"] != "0" {
		t.Errorf("without --no-new-privs: %q, want 0", out)
	}
	if out := execScript(t, root, b.ID, []string{"--no-new-privs"}, "grep ^NoNewPrivs /proc/self/status"); procStatus(out)["NoNewPrivs"] != "1" {
		t.Errorf("with --no-new-privs: %q, want 1", out)
	}
}

// TestExecPreserveFds: --preserve-fds N passes fds 3..3+N-1 through; without
// it fd 3 is closed inside.
func TestExecPreserveFds(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	f, err := os.CreateTemp(t.TempDir(), "fd3-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("preserved-data\n"); err != nil {
		t.Fatal(err)
	}
	args := []string{"exec", "--preserve-fds", "1", b.ID, "sh", "-c", "cat /proc/self/fd/3"}
	r := testutil.MustOK(t, testutil.HullWith(t, root, testutil.Opts{ExtraFiles: []*os.File{f}}, args...))
	if strings.TrimSpace(r.Stdout) != "preserved-data" {
		t.Errorf("fd 3 inside read %q, want preserved-data", r.Stdout)
	}
	r = testutil.HullWith(t, root, testutil.Opts{ExtraFiles: []*os.File{f}}, "exec", b.ID, "sh", "-c", "cat /proc/self/fd/3")
	if r.OK() || strings.Contains(r.Stdout, "preserved-data") {
		t.Errorf("fd 3 leaked into exec without --preserve-fds: %s", r)
	}
}

// TestExecIgnorePaused: exec into a paused container fails naming the
// state; --ignore-paused lets the exec start (it runs once resumed).
func TestExecIgnorePaused(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	r := testutil.Hull(t, root, "pause", b.ID)
	if !r.OK() {
		t.Skipf("pause is not available: %s", r)
	}
	testutil.WaitStatus(t, root, b.ID, "paused", 10*time.Second)
	expectError(t, execIn(t, root, b.ID, nil, "true"), b.ID, "paused")

	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	resumed := make(chan struct{})
	go func() {
		// A process that joins a frozen cgroup freezes too: resume soon so
		// the exec can finish starting, whatever the runtime waits for.
		time.Sleep(2 * time.Second)
		close(resumed)
	}()
	done := make(chan testutil.Result, 1)
	go func() {
		done <- execIn(t, root, b.ID, []string{"-d", "--ignore-paused", "--pid-file", pidFile}, "sh", "-c", "echo ran > /tmp/marker; sleep 3600")
	}()
	<-resumed
	testutil.MustOK(t, testutil.Hull(t, root, "resume", b.ID))
	select {
	case r := <-done:
		if !r.OK() {
			t.Fatalf("exec --ignore-paused: %s", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("exec --ignore-paused did not return")
	}
	testutil.TrackProcess(t, readPidFile(t, pidFile))
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(b.Rootfs, "tmp/marker"))
		if strings.TrimSpace(string(data)) == "ran" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process exec'd with --ignore-paused never ran")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestExecNamespaces: the exec'd process is in every namespace of the init,
// with and without a user namespace.
func TestExecNamespaces(t *testing.T) {
	t.Parallel()
	for _, userns := range []bool{false, true} {
		t.Run("userns="+strconv.FormatBool(userns), func(t *testing.T) {
			t.Parallel()
			root, b, st := execTarget(t, func(s *specs.Spec) {
				setNamespace(s, specs.CgroupNamespace, "")
				if userns {
					setNamespace(s, specs.UserNamespace, "")
					s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
					s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				}
			})
			var script []string
			for _, ns := range execNsTypes {
				script = append(script, "readlink /proc/self/ns/"+ns)
			}
			got := lines(execScript(t, root, b.ID, nil, strings.Join(script, "; ")))
			if len(got) != len(execNsTypes) {
				t.Fatalf("readlink output %q", got)
			}
			for i, ns := range execNsTypes {
				want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", st.Pid, ns))
				if err != nil {
					t.Fatal(err)
				}
				if got[i] != want {
					t.Errorf("ns %s: exec'd %q, init %q", ns, got[i], want)
				}
				host, _ := os.Readlink("/proc/self/ns/" + ns)
				mustDiffer := ns != "user" || userns
				if mustDiffer && got[i] == host {
					t.Errorf("ns %s: exec'd process is in the host's %q", ns, host)
				}
			}
			if userns {
				if out := execScript(t, root, b.ID, nil, "cat /proc/self/uid_map"); strings.Join(strings.Fields(out), " ") != "0 100000 65536" {
					t.Errorf("uid_map of exec'd process = %q", out)
				}
			}
		})
	}
}

// TestExecSeccompRlimits: the exec'd process runs under the container's
// seccomp filter (Seccomp: 2, mkdir denied) and its rlimits.
func TestExecSeccompRlimits(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, func(s *specs.Spec) {
		s.Linux.Seccomp = mkdirDenyProfile()
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1234, Soft: 1000}}
	})
	out := execScript(t, root, b.ID, nil, "grep ^Seccomp: /proc/self/status; ulimit -n; ulimit -Hn; mkdir /tmp/blocked 2>&1; echo rc=$?")
	l := lines(out)
	if len(l) < 5 {
		t.Fatalf("output %q", out)
	}
	if procStatus(l[0])["Seccomp"] != "2" {
		t.Errorf("%q, want Seccomp: 2 (filter mode)", l[0])
	}
	if l[1] != "1000" || l[2] != "1234" {
		t.Errorf("nofile soft/hard = %s/%s, want 1000/1234", l[1], l[2])
	}
	if !strings.Contains(out, "Operation not permitted") || l[len(l)-1] == "rc=0" {
		t.Errorf("mkdir under the container's profile: %q, want EPERM", out)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "tmp/blocked")); !os.IsNotExist(err) {
		t.Errorf("directory created despite the filter: %v", err)
	}
}

// TestExecWrongState: exec into a stopped or unknown container fails with
// one line naming the container.
func TestExecWrongState(t *testing.T) {
	t.Parallel()
	t.Run("stopped", func(t *testing.T) {
		t.Parallel()
		b := testutil.NewBundle(t, "true")
		root := testutil.Root(t)
		testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
		testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
		testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
		expectError(t, execIn(t, root, b.ID, nil, "echo", "hi"), b.ID, "stopped")
		testutil.MustOK(t, testutil.Hull(t, root, "delete", b.ID))
		testutil.AssertNothingLeft(t, root, b)
	})
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		root := testutil.Root(t)
		expectError(t, execIn(t, root, "no-such-container-xyz", nil, "echo", "hi"), "no-such-container-xyz")
	})
}

// TestExecMissingBinary: exec of a command that does not exist fails and
// names the command; the container keeps running.
func TestExecMissingBinary(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	for _, cmd := range []string{"no-such-cmd", "/bin/no-such-binary"} {
		r := execIn(t, root, b.ID, nil, cmd)
		if r.OK() {
			t.Errorf("exec %s succeeded: %s", cmd, r)
			continue
		}
		if !strings.Contains(r.Stderr, cmd) {
			t.Errorf("exec %s: stderr %q does not name it", cmd, r.Stderr)
		}
		if n := len(lines(r.Stderr)); n != 1 {
			t.Errorf("exec %s: want one line on stderr, got %d: %q", cmd, n, r.Stderr)
		}
	}
	if st := testutil.State(t, root, b.ID); st.Status != "running" {
		t.Errorf("status after failed exec = %q, want running", st.Status)
	}
}

// TestExecSubCgroup: --cgroup controller:path puts the exec'd process in
// that existing sub-cgroup of the container for that controller only, as
// runc does; the other controllers stay at the container's cgroup.
func TestExecSubCgroup(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	memDir := filepath.Join("/sys/fs/cgroup/memory", b.CgroupsPath)
	if _, err := os.Stat(filepath.Join(memDir, "cgroup.procs")); err != nil {
		t.Skipf("no cgroup v1 memory hierarchy for the container: %v", err)
	}
	sub := filepath.Join(memDir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatalf("make sub-cgroup: %v", err)
	}
	// Registered after the harness's cleanup, so it runs first: the
	// container's own directory can only go once sub is gone.
	t.Cleanup(func() { _ = os.Remove(sub) })
	out := execScript(t, root, b.ID, []string{"--cgroup", "memory:sub"}, "cat /proc/self/cgroup")
	got := map[string]string{}
	for _, l := range lines(out) {
		if f := strings.SplitN(l, ":", 3); len(f) == 3 {
			got[f[1]] = f[2]
		}
	}
	if want := b.CgroupsPath + "/sub"; got["memory"] != want {
		t.Errorf("memory cgroup %q, want %s (all: %q)", got["memory"], want, out)
	}
	if got["pids"] != b.CgroupsPath {
		t.Errorf("pids cgroup %q, want the container's %s", got["pids"], b.CgroupsPath)
	}
}

// TestExecFastPathMatchesGoPath: an exec the C constructor finishes itself
// (no Go runtime in the joining process) and one that goes through the Go
// init (forced by an I/O priority, which only the Go init sets) give the
// program the same credentials, capabilities, no_new_privs, seccomp filter,
// rlimits, umask, cwd, HOME (from the container's /etc/passwd), oom score
// and fds.
func TestExecFastPathMatchesGoPath(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"getpriority"}, Action: specs.ActErrno}},
		}
	})
	script := `grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status
ulimit -n; ulimit -Hn; umask; pwd; echo "home=$HOME"; cat /proc/self/oom_score_adj; ls /proc/self/fd | wc -l
nice -n 1 true 2>/dev/null; echo "nice=$?"`
	base := specs.Process{
		Args: []string{"sh", "-c", script},
		Env:  []string{"PATH=/bin:/usr/bin"},
		Cwd:  "/tmp",
		User: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 20}, Umask: ptr(uint32(0o027))},
		Capabilities: &specs.LinuxCapabilities{
			Bounding: []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}, Permitted: []string{"CAP_NET_BIND_SERVICE"},
			Effective: []string{"CAP_NET_BIND_SERVICE"}, Inheritable: []string{"CAP_NET_BIND_SERVICE"},
			Ambient: []string{"CAP_NET_BIND_SERVICE"},
		},
		Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 1024}},
		NoNewPrivileges: true,
		OOMScoreAdj:     ptr(100),
	}
	goPath := base
	goPath.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}
	var outs []string
	for i, p := range []specs.Process{base, goPath} {
		data, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), fmt.Sprintf("process-%d.json", i))
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, execOutput(t, root, b.ID, "--process", file))
	}
	if outs[0] != outs[1] {
		t.Errorf("fast path and Go path differ:\nfast:\n%s\ngo:\n%s", outs[0], outs[1])
	}
	for _, want := range []string{"Uid:\t1000", "Groups:\t10 20", "CapAmb:\t0000000000000400", "CapBnd:\t0000000000000420",
		"NoNewPrivs:\t1", "Seccomp:\t2", "\n512\n1024\n0027\n/tmp\nhome=/home/user\n100\n", "nice=1"} {
		if !strings.Contains(outs[0], want) {
			t.Errorf("fast path output lacks %q:\n%s", want, outs[0])
		}
	}
}

// TestExecTtyBothPaths: a terminal exec gets a pty of the container's devpts
// with process.consoleSize applied, whether the C constructor finishes the
// exec itself or the Go init does (forced by an I/O priority).
func TestExecTtyBothPaths(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	for i, io := range []*specs.LinuxIOPriority{nil, {Class: specs.IOPRIO_CLASS_BE, Priority: 4}} {
		p := specs.Process{
			Terminal: true, ConsoleSize: &specs.Box{Height: 33, Width: 77},
			Args: []string{"sh", "-c", "tty; stty size; echo done; sleep 1"},
			Env:  []string{"PATH=/bin:/usr/bin"}, Cwd: "/", IOPriority: io,
		}
		data, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), fmt.Sprintf("tty-%d.json", i))
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cs := testutil.NewConsoleSocket(t)
		pidFile := filepath.Join(t.TempDir(), "exec.pid")
		testutil.MustOK(t, testutil.Hull(t, root, "exec", "-d", "--console-socket", cs.Path, "--pid-file", pidFile, "--process", file, b.ID))
		testutil.TrackProcess(t, readPidFile(t, pidFile))
		out := testutil.ReadUntil(cs.Master(t, 15*time.Second), "done", 15*time.Second)
		if !regexp.MustCompile(`/dev/pts/[0-9]+`).MatchString(out) || !strings.Contains(out, "33 77") {
			t.Errorf("path %d: tty inside printed %q, want /dev/pts/N and 33 77", i, out)
		}
	}
}

// TestExecForwardsSignals: a foreground exec relays the signals sent to hull
// to its process, SIGWINCH included when hull holds no terminal.
func TestExecForwardsSignals(t *testing.T) {
	t.Parallel()
	root, b, _ := execTarget(t, nil)
	for _, c := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGTERM, "TERM", 3}, {syscall.SIGWINCH, "WINCH", 4}} {
		script := fmt.Sprintf(`trap 'echo got-%[1]s; exit %[2]d' %[1]s; echo ready; while :; do sleep 0.1; done`, c.name, c.code)
		cmd := testutil.Command(t, testutil.BuildHull(t), root, "exec", b.ID, "sh", "-c", script)
		signalWhenReady(t, cmd, c.sig, c.code, "got-"+c.name)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}
