package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sample is one measured command (or one derived figure such as a whole
// lifecycle). CPU is user+system time of the command and every descendant it
// reaped, from wait4's rusage; MaxRSSKB is rusage's ru_maxrss, the largest
// resident set among them.
type sample struct {
	Wall     time.Duration
	CPU      time.Duration
	MaxRSSKB int64
}

// runtimeCmd is one runtime under test: its CLI and the state root given to
// every invocation, so concurrent benches never touch /run/runc and friends.
type runtimeCmd struct {
	Name string
	Path string
	Root string
}

func (r runtimeCmd) args(sub ...string) []string {
	return append([]string{"--root", r.Root}, sub...)
}

// invoke runs the runtime with args in dir and measures it. Output is
// captured and returned in the error so failures are diagnosable.
func (r runtimeCmd) invoke(dir string, args ...string) (sample, error) {
	return measure(dir, r.Path, r.args(args...)...)
}

// outDir holds the per-command output files; main points it at tmpfs.
var outDir = os.TempDir()

// spawner is the compiled rusage.c.in (see there and buildSpawner), or "" to
// measure from Go directly (RSS figures are then floored at the bench's
// own RSS).
var spawner string

func measure(dir, path string, args ...string) (sample, error) {
	// A file, not a pipe: a created container's init inherits the
	// runtime's stdio and would hold a pipe open, and os/exec's Wait
	// would then block until the container exits.
	out, err := os.CreateTemp(outDir, "out-")
	if err != nil {
		return sample{}, fmt.Errorf("output file: %w", err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	var cmd *exec.Cmd
	resFile := out.Name() + ".rusage"
	if spawner != "" {
		cmd = exec.Command(spawner, append([]string{resFile, path}, args...)...)
		defer os.Remove(resFile)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	t0 := time.Now()
	err = cmd.Run()
	s := sample{Wall: time.Since(t0)}
	if spawner != "" {
		if rs, rerr := readSpawnerResult(resFile); rerr == nil {
			s = rs
		} else if err == nil {
			err = rerr
		}
	} else if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.CPU = tvDur(ru.Utime) + tvDur(ru.Stime)
			s.MaxRSSKB = ru.Maxrss
		}
	}
	if err != nil {
		msg, _ := os.ReadFile(out.Name())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return s, fmt.Errorf("%s %s: %w: %s", path, strings.Join(args, " "), err, bytes.TrimSpace(msg))
	}
	return s, nil
}

// measureBatch starts n copies of path args at once through the spawner's
// -n mode (every "%I" in args becomes the copy's index) and returns the
// batch's wall time, first fork to last exit, each copy's sample and each
// copy's error (nil when it exited 0).
func measureBatch(dir string, n int, path string, args ...string) (time.Duration, []sample, []error, error) {
	prefix, err := os.MkdirTemp(outDir, "batch-")
	if err != nil {
		return 0, nil, nil, err
	}
	defer os.RemoveAll(prefix)
	res := filepath.Join(prefix, "r")
	cmd := exec.Command(spawner, append([]string{"-n", strconv.Itoa(n), res, path}, args...)...)
	cmd.Dir = dir
	out, runErr := cmd.CombinedOutput()
	b, err := os.ReadFile(res + ".batch")
	if err != nil {
		return 0, nil, nil, fmt.Errorf("batch of %d %s: %v: %s", n, path, runErr, bytes.TrimSpace(out))
	}
	var wall int64
	if _, err := fmt.Sscan(string(b), &wall); err != nil {
		return 0, nil, nil, fmt.Errorf("parse batch result %q: %w", b, err)
	}
	samples := make([]sample, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		p := res + "." + strconv.Itoa(i)
		s, err := readSpawnerResult(p)
		samples[i] = s
		if err == nil {
			err = spawnerStatus(p)
		}
		if err != nil {
			msg, _ := os.ReadFile(p + ".out")
			if len(msg) > 2000 {
				msg = msg[len(msg)-2000:]
			}
			errs[i] = fmt.Errorf("%s %s (copy %d): %w: %s", path, strings.Join(args, " "), i, err, bytes.TrimSpace(msg))
		}
	}
	return time.Duration(wall), samples, errs, nil
}

// spawnerStatus is the error for a result line's wait status, nil for exit 0.
func spawnerStatus(p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var wall, ut, st, rss int64
	var status int
	if _, err := fmt.Sscan(string(b), &wall, &ut, &st, &rss, &status); err != nil {
		return err
	}
	if ws := syscall.WaitStatus(status); !ws.Exited() || ws.ExitStatus() != 0 {
		return fmt.Errorf("wait status %#x", status)
	}
	return nil
}

// readSpawnerResult parses rusage.c.in's "wall_ns utime_us stime_us maxrss_kb
// status" line.
func readSpawnerResult(p string) (sample, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return sample{}, fmt.Errorf("read rusage result: %w", err)
	}
	var wall, ut, st, rss int64
	var status int
	if _, err := fmt.Sscan(string(b), &wall, &ut, &st, &rss, &status); err != nil {
		return sample{}, fmt.Errorf("parse rusage result %q: %w", b, err)
	}
	return sample{
		Wall:     time.Duration(wall),
		CPU:      time.Duration(ut+st) * time.Microsecond,
		MaxRSSKB: rss,
	}, nil
}

func tvDur(tv syscall.Timeval) time.Duration {
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
}

// readPidFile reads the pid the runtime wrote with --pid-file.
func readPidFile(p string) (int, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad pid %q", p, b)
	}
	return pid, nil
}

// reapInit waits for a container init that was re-parented to us (we are a
// child subreaper, see main) and returns its own CPU time, which no runtime
// command's rusage includes once `create` has exited. If it is not our
// child (a runtime that keeps a monitor process) it waits for it to vanish
// and reports no CPU.
func reapInit(pid int, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		var ws unix.WaitStatus
		var ru unix.Rusage
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, &ru)
		switch {
		case err == nil && got == pid:
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
		case errors.Is(err, unix.ECHILD):
			if _, serr := os.Stat("/proc/" + strconv.Itoa(pid)); serr != nil {
				return 0, nil
			}
		case err != nil && !errors.Is(err, unix.EINTR):
			return 0, fmt.Errorf("wait4 %d: %w", pid, err)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("container init %d still running after %v", pid, timeout)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// reapStray collects any other orphan that was re-parented to us, so
// zombies do not pile up over hundreds of containers. Only called while no
// exec.Cmd is running, so it cannot steal a status os/exec waits for.
func reapStray() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
	}
}

// vmRSSKB is VmRSS of a live process, from /proc/PID/status.
func vmRSSKB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read status of %d: %w", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("pid %d: no VmRSS", pid)
}
