package security

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// listOwnFds prints the shell's open fds, one number a line, as seen by a
// child (the shell's own glob would count the directory fd it opens), then
// their targets for the failure message.
const listOwnFds = `ls -1 /proc/$$/fd; ls -l /proc/$$/fd >&2`

func fdNumbers(out string) []string {
	var n []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			n = append(n, f[0])
		}
	}
	sort.Strings(n)
	return n
}

// TestCVE_2024_21626_NoFdLeakIntoContainer: the user's program starts with
// stdio only. runc leaked a host /sys/fs/cgroup fd; any hull fd (state dir,
// sync socket, sealed exe, Go's epoll) would be a way out.
func TestCVE_2024_21626_NoFdLeakIntoContainer(t *testing.T) {
	r, _ := runScript(t, listOwnFds, nil)
	testutil.MustOK(t, r)
	if got := strings.Join(fdNumbers(r.Stdout), ","); got != "0,1,2" {
		t.Errorf("container init has fds %s, want 0,1,2:\n%s", got, r.Stderr)
	}
}

// TestCVE_2024_21626_NoFdLeakIntoExec: the same for `hull exec`, whose init
// also holds the container's namespace fds while it joins them.
func TestCVE_2024_21626_NoFdLeakIntoExec(t *testing.T) {
	b := testutil.NewBundle(t, "sleep", "60")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "run", "-d", "--bundle", b.Dir, b.ID))
	r := testutil.MustOK(t, testutil.Hull(t, root, "exec", b.ID, "sh", "-c", listOwnFds))
	if got := strings.Join(fdNumbers(r.Stdout), ","); got != "0,1,2" {
		t.Errorf("exec'd process has fds %s, want 0,1,2:\n%s", got, r.Stderr)
	}
}

// TestCVE_2024_21626_CwdThroughLeakedFd: process.cwd /proc/self/fd/N would
// put the container's first process in a host directory if fd N leaked at
// chdir time. hull must either refuse or end up inside the container.
func TestCVE_2024_21626_CwdThroughLeakedFd(t *testing.T) {
	for n := 3; n <= 9; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			cwd := fmt.Sprintf("/proc/self/fd/%d", n)
			r, _ := runScript(t, `pwd; ls -a . ..`, func(s *specs.Spec) { s.Process.Cwd = cwd })
			if !r.OK() {
				if strings.Count(strings.TrimRight(r.Stderr, "\n"), "\n") > 0 {
					t.Errorf("refusal is not one line: %q", r.Stderr)
				}
				return
			}
			pwd := strings.SplitN(r.Stdout, "\n", 2)[0]
			if !strings.HasPrefix(pwd, "/") || strings.Contains(pwd, "unreachable") {
				t.Errorf("process started in %q, outside the container (CVE-2024-21626)", pwd)
			}
			for _, hostName := range []string{"state.json", "exec.fifo", "config.json", "hull-test-", "cgroup.procs"} {
				if strings.Contains(r.Stdout, hostName) {
					t.Errorf("cwd %s shows host entry %q:\n%s", cwd, hostName, r.Stdout)
				}
			}
		})
	}
}

// TestCVE_2024_21626_ExecCwdThroughLeakedFd: the same through `hull exec
// --cwd`, the variant that attacked runc exec.
func TestCVE_2024_21626_ExecCwdThroughLeakedFd(t *testing.T) {
	b := testutil.NewBundle(t, "sleep", "60")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "run", "-d", "--bundle", b.Dir, b.ID))
	testutil.WaitStatus(t, root, b.ID, "running", 10*time.Second)
	for n := 3; n <= 9; n++ {
		r := testutil.Hull(t, root, "exec", "--cwd", fmt.Sprintf("/proc/self/fd/%d", n), b.ID, "sh", "-c", "pwd; ls -a . ..")
		if !r.OK() {
			continue
		}
		pwd := strings.SplitN(r.Stdout, "\n", 2)[0]
		if !strings.HasPrefix(pwd, "/") || strings.Contains(pwd, "unreachable") {
			t.Errorf("exec --cwd /proc/self/fd/%d started in %q, outside the container", n, pwd)
		}
		for _, hostName := range []string{"state.json", "exec.fifo", "config.json", "cgroup.procs"} {
			if strings.Contains(r.Stdout, hostName) {
				t.Errorf("exec --cwd /proc/self/fd/%d shows host entry %q:\n%s", n, hostName, r.Stdout)
			}
		}
	}
}
