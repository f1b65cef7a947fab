package testutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// DefaultTimeout bounds every CLI call so a hung runtime fails one test
// instead of the whole package.
const DefaultTimeout = 60 * time.Second

// Result is what one CLI invocation produced.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Code   int // exit status; 128+N when the CLI itself died of signal N; -1 if it could not start
}

// OK reports a zero exit status.
func (r Result) OK() bool { return r.Code == 0 }

// String renders the call for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("`%s` exited %d\nstdout: %q\nstderr: %q", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Opts tunes one invocation; the zero value is fine.
type Opts struct {
	Dir        string        // working directory (default: the test's)
	Stdin      io.Reader     // default /dev/null
	Stdout     *os.File      // pass this file instead of capturing stdout
	Stderr     *os.File      // pass this file instead of capturing stderr
	Env        []string      // extra environment
	ExtraFiles []*os.File    // fds 3.. for --preserve-fds
	Timeout    time.Duration // default DefaultTimeout
}

// Hull runs the binary under test with --root root and the given arguments.
func Hull(t testing.TB, root string, args ...string) Result {
	t.Helper()
	return Exec(t, BuildHull(t), root, Opts{}, args...)
}

// HullWith is Hull with options.
func HullWith(t testing.TB, root string, o Opts, args ...string) Result {
	t.Helper()
	return Exec(t, BuildHull(t), root, o, args...)
}

// RuncBinary returns the installed runc, skipping the test if there is none.
func RuncBinary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("runc")
	if err != nil {
		t.Skipf("runc not installed: %v", err)
	}
	return p
}

// Runc runs the reference runtime with its own --root; containers it creates
// are tracked and cleaned up like hull's.
func Runc(t testing.TB, root string, args ...string) Result {
	t.Helper()
	return Exec(t, RuncBinary(t), root, Opts{}, args...)
}

// Exec runs bin --root root args... and captures its output. stdout/stderr
// go to temp files, not pipes: a detached container inherits them, and with
// pipes Wait would block until the container exits.
func Exec(t testing.TB, bin, root string, o Opts, args ...string) Result {
	t.Helper()
	full := append([]string{"--root", root}, args...)
	res := Result{Args: append([]string{bin}, full...), Code: -1}
	track(t, bin, root, o.Dir, args)

	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Dir = o.Dir
	cmd.Stdin = o.Stdin
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.ExtraFiles = o.ExtraFiles
	cmd.WaitDelay = 5 * time.Second

	outF, errF := o.Stdout, o.Stderr
	var capOut, capErr *os.File
	var err error
	if outF == nil {
		if capOut, err = os.CreateTemp(workDir(t), "out-"); err != nil {
			t.Fatalf("stdout file: %v", err)
		}
		outF = capOut
	}
	if errF == nil {
		if capErr, err = os.CreateTemp(workDir(t), "err-"); err != nil {
			t.Fatalf("stderr file: %v", err)
		}
		errF = capErr
	}
	cmd.Stdout, cmd.Stderr = outF, errF

	runErr := cmd.Run()
	res.Stdout = readAndRemove(capOut)
	res.Stderr = readAndRemove(capErr)
	var ee *exec.ExitError
	switch {
	case runErr == nil:
		res.Code = 0
	case errors.As(runErr, &ee):
		res.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Code = 128 + int(ws.Signal())
		}
	default:
		res.Stderr += "\n[harness] " + runErr.Error()
	}
	if ctx.Err() != nil {
		t.Errorf("timed out after %v: %s", timeout, res)
	}
	afterCall(t, bin, root, args, res)
	return res
}

func readAndRemove(f *os.File) string {
	if f == nil {
		return ""
	}
	defer os.Remove(f.Name())
	defer f.Close()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return fmt.Sprintf("[harness: read %s: %v]", f.Name(), err)
	}
	return string(b)
}

// Command prepares (but does not start) bin --root root args..., tracked
// for cleanup like Exec. Use it for stdio the harness cannot capture, such as
// a pty for terminal=true in the foreground.
func Command(t testing.TB, bin, root string, args ...string) *exec.Cmd {
	t.Helper()
	track(t, bin, root, "", args)
	return exec.Command(bin, append([]string{"--root", root}, args...)...)
}

// MustOK fails the test now unless the call succeeded.
func MustOK(t testing.TB, r Result) Result {
	t.Helper()
	if !r.OK() {
		t.Fatalf("command failed: %s", r)
	}
	return r
}

// Root returns a fresh, empty --root directory for this test. Every container
// created under it is force-deleted when the test ends, and the directory must
// then be empty.
func Root(t testing.TB) string {
	t.Helper()
	bin := BuildHull(t)
	d := TempDir(t, "r-")
	st := stateFor(t)
	st.mu.Lock()
	st.rootFor(bin, d).owned = true
	st.mu.Unlock()
	return d
}
