package integration

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// runScript builds a bundle running `sh -c script`, applies edit (may be
// nil), runs it in the foreground with a fresh --root and returns the result,
// the bundle and the root.
func runScript(t *testing.T, script string, edit func(*specs.Spec), runFlags ...string) (testutil.Result, *testutil.Bundle, string) {
	t.Helper()
	b := testutil.NewBundle(t, "sh", "-c", script)
	if edit != nil {
		b.Edit(edit)
	}
	root := testutil.Root(t)
	args := append([]string{"run", "--bundle", b.Dir}, runFlags...)
	args = append(args, b.ID)
	return testutil.Hull(t, root, args...), b, root
}

// scriptOutput is runScript that requires exit status 0 and returns stdout
// with surrounding whitespace trimmed.
func scriptOutput(t *testing.T, script string, edit func(*specs.Spec), runFlags ...string) string {
	t.Helper()
	r, _, _ := runScript(t, script, edit, runFlags...)
	testutil.MustOK(t, r)
	return strings.TrimSpace(r.Stdout)
}

// startDetached creates and starts a container from b in root.
func startDetached(t *testing.T, root string, b *testutil.Bundle) testutil.StateJSON {
	t.Helper()
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	return testutil.WaitStatus(t, root, b.ID, "running", 10*time.Second)
}

// expectError asserts the runtime's bad-input contract: exit status 1 and
// exactly one line on stderr containing every want.
func expectError(t *testing.T, r testutil.Result, wants ...string) {
	t.Helper()
	if r.Code != 1 {
		t.Errorf("want exit status 1: %s", r)
	}
	msg := strings.TrimRight(r.Stderr, "\n")
	if msg == "" {
		t.Errorf("want an error message on stderr: %s", r)
		return
	}
	if n := strings.Count(msg, "\n") + 1; n != 1 {
		t.Errorf("want exactly one line on stderr, got %d: %q", n, r.Stderr)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr %q does not contain %q", msg, w)
		}
	}
}

// lines splits trimmed output into lines ("" yields none).
func lines(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func ptr[T any](v T) *T { return &v }

// hasNamespace reports whether the spec lists namespace typ.
func hasNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			return true
		}
	}
	return false
}

// setNamespace adds or replaces namespace typ (path "" = new namespace).
func setNamespace(s *specs.Spec, typ specs.LinuxNamespaceType, path string) {
	for i, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			s.Linux.Namespaces[i].Path = path
			return
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
}

// forceGoInit makes the container one that hull's set-up thread cannot
// build, so that its init runs hull's Go init (process.threadInitUsable):
// a time namespace applies to children only, so only a forked init can be
// in it.
func forceGoInit(s *specs.Spec) { setNamespace(s, specs.TimeNamespace, "") }

// bothInitPaths runs f as two parallel subtests: the container built by
// hull's set-up thread (goInit false) and by its Go init (forceGoInit).
func bothInitPaths(t *testing.T, f func(t *testing.T, goInit bool)) {
	for _, goInit := range []bool{false, true} {
		name := "set-up thread"
		if goInit {
			name = "Go init"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, goInit)
		})
	}
}

// minorFaultsSayGoInit fails t unless the waiting init's minor page faults
// match the path: the Go runtime's start-up alone takes a few hundred, the C
// constructor about 50 (they survive execve).
func minorFaultsSayGoInit(t *testing.T, pid int, goInit bool) {
	t.Helper()
	if f := minorFaults(t, pid); goInit != (f >= 150) {
		t.Errorf("waiting init took %d minor page faults; Go runtime ran in it: %v, want %v", f, f >= 150, goInit)
	}
}

// dropNamespace removes namespace typ.
func dropNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) {
	var keep []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != typ {
			keep = append(keep, ns)
		}
	}
	s.Linux.Namespaces = keep
}

// startUntilReady starts cmd, a foreground `hull run` of a container that
// prints "ready" and then reads stdin, with start (cmd.Start, or a wrapper
// that sets the CPU mask first), and returns once the line has arrived. At
// the test's end it closes the container's stdin and waits for hull.
func startUntilReady(t *testing.T, cmd *exec.Cmd, start func(*exec.Cmd) error) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("container said %q, %v", line, err)
	}
}
