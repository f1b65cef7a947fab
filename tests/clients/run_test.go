package clients

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

// callTimeout bounds one client command so a hang fails a test, not the
// package.
const callTimeout = 60 * time.Second

// result is what one client command produced.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int // exit status; -1 if it did not start or was killed
}

func (r result) String() string {
	return fmt.Sprintf("`%s` exited %d\nstdout: %q\nstderr: %q", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runOpts tunes one command; the zero value runs it with stdin /dev/null.
type runOpts struct {
	env        []string
	stdin      io.Reader
	extraFiles []*os.File
	tty        *os.File // if set: stdin, stdout and stderr are this terminal
}

// runCmd runs argv[0] with argv[1:]. Output goes to files, not pipes: a
// detached container or conmon may inherit them and keep a pipe open.
func runCmd(t *testing.T, o runOpts, argv ...string) result {
	t.Helper()
	res := result{args: argv, code: -1}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), o.env...)
	cmd.Stdin = o.stdin
	cmd.ExtraFiles = o.extraFiles
	cmd.WaitDelay = 5 * time.Second
	var outF, errF *os.File
	if o.tty != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.tty, o.tty, o.tty
		// The client must own the terminal as its controlling tty, as in
		// an interactive shell, or it cannot put it into raw mode.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	} else {
		var err error
		if outF, err = os.CreateTemp("", "clients-out-"); err != nil {
			t.Fatalf("stdout file: %v", err)
		}
		if errF, err = os.CreateTemp("", "clients-err-"); err != nil {
			t.Fatalf("stderr file: %v", err)
		}
		cmd.Stdout, cmd.Stderr = outF, errF
	}
	runErr := cmd.Run()
	res.stdout, res.stderr = readAndRemove(outF), readAndRemove(errF)
	var ee *exec.ExitError
	switch {
	case runErr == nil:
		res.code = 0
	case errors.As(runErr, &ee):
		res.code = ee.ExitCode()
	default:
		res.stderr += "\n[test] " + runErr.Error()
	}
	if ctx.Err() != nil {
		t.Errorf("timed out after %v: %s", callTimeout, res)
	}
	return res
}

func readAndRemove(f *os.File) string {
	if f == nil {
		return ""
	}
	defer os.Remove(f.Name())
	defer f.Close()
	b, _ := os.ReadFile(f.Name())
	return string(b)
}

// mustOK fails the test now unless r exited 0.
func mustOK(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("command failed: %s", r)
	}
	return r
}

// wantOutput checks trimmed stdout and the exit status.
func wantOutput(t *testing.T, r result, code int, stdout string) {
	t.Helper()
	if r.code != code || strings.TrimSpace(r.stdout) != stdout {
		t.Errorf("want exit %d and stdout %q: %s", code, stdout, r)
	}
}

// needBinaries skips the test unless every program is installed.
func needBinaries(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s not installed (apt-get install podman conmon containerd): %v", n, err)
		}
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
