// Package hooks runs OCI lifecycle hooks (prestart, createRuntime, ...).
package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/specjson"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/oneproc"
)

// pipeGrace bounds how long Run waits for a hook's stdout/stderr to reach EOF
// after the hook itself exited. A hook that leaves a daemon holding the pipes
// would otherwise block the container lifecycle forever.
const pipeGrace = 2 * time.Second

// outputCap limits how much hook output is kept for error messages.
const outputCap = 64 << 10

// Run runs hook h of the given kind with the JSON of state on stdin. args[0]
// is argv[0]; a nil env inherits hull's environment, as runc does. With a
// timeout the hook and everything in its process group is killed on expiry.
// Errors name the kind, the path and the exit status, plus the first line of
// the hook's stderr (or stdout when stderr is empty).
func Run(kind string, h specs.Hook, state *specs.State) error {
	return run(kind, h, state, nil)
}

// run is Run; with cgroupDir (an fd of a cgroup v2 directory) the hook is
// born in that cgroup (clone3 CLONE_INTO_CGROUP).
//
// hookProcs: the waiting caller, stdin, stdout and stderr copiers.
const hookProcs = 4

func run(kind string, h specs.Hook, state *specs.State, cgroupDir *os.File) error {
	prefix := fmt.Sprintf("%s hook %s", kind, h.Path)
	if state == nil {
		return fmt.Errorf("%s: no container state to pass", prefix)
	}
	input := specjson.AppendState(nil, state) // no reflection

	ctx := context.Background()
	var timeout time.Duration
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fmt.Errorf("%s: timeout %d must be greater than zero", prefix, *h.Timeout)
		}
		timeout = time.Duration(*h.Timeout) * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = h.Args
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	cmd.Env = h.Env
	cmd.Stdin = bytes.NewReader(input)
	stdout, stderr := &capped{max: outputCap}, &capped{max: outputCap}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Own process group, so a timeout kills helpers the hook forked too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cgroupDir != nil {
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(cgroupDir.Fd())
	}
	cmd.Cancel = func() error {
		err := unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		if err == unix.ESRCH {
			// The hook already finished; let Wait report its own status.
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = pipeGrace

	// exec's goroutines feed the hook's stdin and drain its output while
	// this one waits for it in waitid.
	oneproc.AtLeast(hookProcs)
	// The hook gets the caller's CPUs, not the one hull runs on.
	err := oneproc.Unpinned(cmd.Start)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: timed out after %s, killed%s", prefix, timeout, detail(stderr, stdout))
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		// The hook exited successfully; only a descendant still holds its
		// output pipes. That is not the hook failing.
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// exec's start errors repeat the path ("fork/exec /x: ...").
		return fmt.Errorf("%s: start: %w", prefix, pe.Err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w%s", prefix, err, detail(stderr, stdout))
	}
	return nil
}

// RunAll runs hooks in order. For most kinds it stops at the first failure
// (the spec makes a failing prestart, createRuntime, createContainer or
// startContainer hook an error that stops the container). A failing
// poststart or poststop hook must not stop the rest: runtime.md says "the
// runtime MUST log a warning, but the remaining hooks and lifecycle continue
// as if the hook had succeeded", so for those kinds every hook runs and the
// failures come back joined, for the caller to log.
func RunAll(kind string, hs []specs.Hook, state *specs.State) error {
	return RunAllInCgroup(kind, hs, state, nil)
}

// RunAllInCgroup is RunAll with every hook born in the cgroup v2 directory
// cgroupDir, when set (see run).
func RunAllInCgroup(kind string, hs []specs.Hook, state *specs.State, cgroupDir *os.File) error {
	var errs []error
	for _, h := range hs {
		if err := run(kind, h, state, cgroupDir); err != nil {
			if !continuesAfterFailure(kind) {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// continuesAfterFailure reports whether the spec lets the remaining hooks of
// this kind run after one fails.
func continuesAfterFailure(kind string) bool {
	return kind == "poststart" || kind == "poststop"
}

// detail returns ": <first non-empty line>" of the hook's stderr, falling
// back to stdout, or "" if both are empty.
func detail(stderr, stdout *capped) string {
	for _, b := range []*capped{stderr, stdout} {
		for _, line := range strings.Split(b.buf.String(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				return ": " + line
			}
		}
	}
	return ""
}

// capped is a writer that keeps the first max bytes and discards the rest
// while still reporting success, so a chatty hook never blocks on a full pipe.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) > room {
			c.buf.Write(p[:room])
		} else {
			c.buf.Write(p)
		}
	}
	return len(p), nil
}
