package integration

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestRunMatchesRunc: `run` prints the same output and exits with the same
// status as `runc run` on the same bundle.
func TestRunMatchesRunc(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		code   int
	}{
		{"echo", `echo "hello from $(hostname)"; echo to-stderr >&2`, 0},
		{"exit3", `echo before; exit 3`, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sh", "-c", c.script)
			want := testutil.Runc(t, testutil.TempDir(t, "rr-"), "run", "--bundle", b.Dir, b.ID+"-runc")
			if want.Code != c.code {
				t.Fatalf("reference runc: %s", want)
			}
			got := testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID)
			if got.Code != want.Code {
				t.Errorf("exit status %d, runc %d: %s", got.Code, want.Code, got)
			}
			if got.Stdout != want.Stdout {
				t.Errorf("stdout %q, runc %q", got.Stdout, want.Stdout)
			}
			if strings.Contains(want.Stderr, "to-stderr") && !strings.Contains(got.Stderr, "to-stderr") {
				t.Errorf("container stderr lost: %s", got)
			}
		})
	}
}

// TestRunExitStatus: the foreground run exits with the container's status,
// and the container is removed afterwards (no --keep).
func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	r, b, root := runScript(t, "exit 3", nil)
	if r.Code != 3 {
		t.Errorf("want exit status 3: %s", r)
	}
	expectError(t, testutil.Hull(t, root, "state", b.ID), b.ID, "does not exist")
	testutil.AssertNothingLeft(t, root, b)
}

// TestRunKilledBySignal: a container killed by SIGKILL makes `run` exit 137.
func TestRunKilledBySignal(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	done := make(chan testutil.Result, 1)
	go func() { done <- testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID) }()
	waitRunning(t, root, b.ID, done)
	testutil.MustOK(t, testutil.Hull(t, root, "kill", b.ID, "KILL"))
	select {
	case r := <-done:
		if r.Code != 128+9 {
			t.Errorf("want exit status 137: %s", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("run did not return after SIGKILL")
	}
	testutil.AssertNothingLeft(t, root, b)
}

// waitRunning polls state until the container runs, tolerating "does not
// exist" while a concurrent run is still creating it.
func waitRunning(t *testing.T, root, id string, done <-chan testutil.Result) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case r := <-done:
			t.Fatalf("run returned before the container was seen running: %s", r)
		default:
		}
		r := testutil.Hull(t, root, "state", id)
		if r.OK() && strings.Contains(r.Stdout, `"running"`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("container %s never reached running", id)
}

var decimal = regexp.MustCompile(`^[0-9]+$`)

// TestPidFile: --pid-file holds the init pid in decimal with no newline,
// for create and for run --detach.
func TestPidFile(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"create", "run-detach"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sleep", "100")
			root := testutil.Root(t)
			pidFile := filepath.Join(testutil.TempDir(t, "pf-"), "pid")
			args := []string{"create", "--pid-file", pidFile, "--bundle", b.Dir, b.ID}
			if mode == "run-detach" {
				args = []string{"run", "-d", "--pid-file", pidFile, "--bundle", b.Dir, b.ID}
			}
			testutil.MustOK(t, testutil.Hull(t, root, args...))
			data, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatalf("pid file: %v", err)
			}
			if !decimal.Match(data) {
				t.Fatalf("pid file %q: want decimal digits only, no newline", data)
			}
			pid, _ := strconv.Atoi(string(data))
			if s := testutil.State(t, root, b.ID); s.Pid != pid {
				t.Errorf("pid file %d != state pid %d", pid, s.Pid)
			}
			testutil.MustOK(t, testutil.Hull(t, root, "delete", "-f", b.ID))
			if !testutil.WaitPidGone(pid, 5*time.Second) {
				t.Errorf("pid %d alive after delete -f", pid)
			}
			testutil.AssertNothingLeft(t, root, b)
		})
	}
}

// TestRunDetach: run -d returns while the container keeps running.
func TestRunDetach(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	start := time.Now()
	testutil.MustOK(t, testutil.Hull(t, root, "run", "--detach", "--bundle", b.Dir, b.ID))
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("run --detach took %v", d)
	}
	s := testutil.State(t, root, b.ID)
	if s.Status != "running" || !testutil.PidAlive(s.Pid) {
		t.Errorf("after run -d: status %q pid %d alive=%v", s.Status, s.Pid, testutil.PidAlive(s.Pid))
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestRunKeep: run --keep leaves the stopped container for inspection.
func TestRunKeep(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "true")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "run", "--keep", "--bundle", b.Dir, b.ID))
	if s := testutil.State(t, root, b.ID); s.Status != "stopped" {
		t.Errorf("status after run --keep = %q, want stopped", s.Status)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestPreserveFds: --preserve-fds 1 passes fd 3 into the container.
func TestPreserveFds(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "cat <&3")
	root := testutil.Root(t)
	f, err := os.CreateTemp(testutil.TempDir(t, "fd-"), "in")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprint(f, "through fd 3")
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	r := testutil.HullWith(t, root, testutil.Opts{ExtraFiles: []*os.File{f}},
		"run", "--preserve-fds", "1", "--bundle", b.Dir, b.ID)
	testutil.MustOK(t, r)
	if r.Stdout != "through fd 3" {
		t.Errorf("stdout %q, want the content of fd 3", r.Stdout)
	}
}

// TestRunForwardsSignals: a signal sent to a foreground `run` reaches the
// container's process, and run returns its exit status.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", `trap 'echo got-usr1; exit 3' USR1; echo ready; while :; do sleep 0.1; done`)
	root := testutil.Root(t)
	cmd := testutil.Command(t, testutil.BuildHull(t), root, "run", "--bundle", b.Dir, b.ID)
	signalWhenReady(t, cmd, syscall.SIGUSR1, 3, "got-usr1")
	testutil.AssertNothingLeft(t, root, b)
}

// signalWhenReady starts cmd (a foreground run or exec whose process prints
// "ready" once its traps are set), sends sig to hull and requires that the
// process saw it: exit status code and the line want among the rest of the
// output.
func signalWhenReady(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, code int, want string) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "ready" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("process never said ready")
	}
	cmd.Process.Signal(sig)
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != code || !slices.Contains(rest, want) {
		t.Errorf("after %v: %v, output %q; want exit %d and %s", sig, err, rest, code, want)
	}
}
