package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// RunConfig says how to run validation programs for one runtime.
type RunConfig struct {
	SuiteDir string        // built programs, runtimetest, rootfs tarball
	Runtime  string        // absolute path of the runtime binary
	Label    string        // "hull", "runc": names the log directory
	LogDir   string        // <LogDir>/<Label>/<program>.tap and .stderr
	WorkBase string        // parent of each program's private TMPDIR and state root
	Timeout  time.Duration // per program
	Keep     bool          // keep the private TMPDIR and state root
}

// RunProgram runs one validation program and parses its TAP.
//
// Isolation, so that neither a runtime bug nor a failing test leaves
// anything on the host:
//   - the program runs under `unshare --mount --propagation private`: the
//     containers it creates and any mount a runtime makes in its caller's
//     namespace (linux_ns_itype runs a container without a mount namespace)
//     stay in a namespace that dies with the program;
//   - TMPDIR is private: the suite unpacks its bundles with os.MkdirTemp("");
//   - RUNTIME is a wrapper that passes `--root <private dir>`, so the runtime
//     keeps its container state apart from every other user of the host
//     (and of /run/runc or /run/hull), and the runner can find and delete
//     whatever the program left behind.
func RunProgram(cfg RunConfig, name string) FileResult {
	res := FileResult{Name: name}
	logDir := filepath.Join(cfg.LogDir, cfg.Label)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		res.RunError = fmt.Sprintf("mkdir %s: %v", logDir, err)
		return res
	}
	work, err := os.MkdirTemp(cfg.WorkBase, cfg.Label+"-"+name+"-")
	if err != nil {
		res.RunError = fmt.Sprintf("make private work dir: %v", err)
		return res
	}
	// The bundles under TMPDIR must be reachable by a container root that
	// a user namespace maps to another host uid (linux_uid_mappings,
	// linux_ns_nopath), as they are in a 1777 /tmp: 0755, not MkdirTemp's 0700.
	tmp := filepath.Join(work, "tmp")
	state := filepath.Join(work, "state")
	wrapper := filepath.Join(work, "runtime")
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{work, 0o755}, {tmp, 0o1777}, {state, 0o700}} {
		if d.path != work {
			if err := os.Mkdir(d.path, 0o700); err != nil {
				res.RunError = fmt.Sprintf("mkdir %s: %v", d.path, err)
				return res
			}
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			res.RunError = fmt.Sprintf("chmod %s: %v", d.path, err)
			return res
		}
	}
	if err := writeWrapper(wrapper, cfg.Runtime, state); err != nil {
		res.RunError = err.Error()
		return res
	}
	defer func() {
		cleanupContainers(wrapper, logDir, name)
		if !cfg.Keep {
			if err := os.RemoveAll(work); err != nil {
				fmt.Fprintf(os.Stderr, "conformance: remove %s: %v\n", work, err)
			}
		}
	}()

	tapPath := filepath.Join(logDir, name+".tap")
	errPath := filepath.Join(logDir, name+".stderr")
	res.LogPath = tapPath
	stdout, err := os.Create(tapPath)
	if err != nil {
		res.RunError = fmt.Sprintf("create %s: %v", tapPath, err)
		return res
	}
	defer stdout.Close()
	stderr, err := os.Create(errPath)
	if err != nil {
		res.RunError = fmt.Sprintf("create %s: %v", errPath, err)
		return res
	}
	defer stderr.Close()

	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", filepath.Join(cfg.SuiteDir, name))
	cmd.Dir = cfg.SuiteDir
	cmd.Env = append(withoutEnv(os.Environ(), "RUNTIME", "TMPDIR"), "RUNTIME="+wrapper, "TMPDIR="+tmp)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// Own process group: a timeout kills the program and every runtime
	// command it is waiting for, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.RunError = fmt.Sprintf("start %s: %v", name, err)
		return res
	}
	var timedOut atomic.Bool
	timer := time.AfterFunc(cfg.Timeout, func() {
		timedOut.Store(true)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	waitErr := cmd.Wait()
	timer.Stop()
	res.TimedOut = timedOut.Load()
	res.Duration = time.Since(start)
	if waitErr != nil {
		if ee, ok := waitErr.(*exec.ExitError); ok {
			res.ExitCode = ee.ExitCode()
		} else {
			res.RunError = fmt.Sprintf("wait %s: %v", name, waitErr)
		}
	}
	res.Output = readHead(tapPath, maxOutput) + readHead(errPath, maxOutput)
	f, err := os.Open(tapPath)
	if err != nil {
		res.RunError = fmt.Sprintf("open %s: %v", tapPath, err)
		return res
	}
	defer f.Close()
	tap, err := ParseTAP(f)
	res.TAP = tap
	if err != nil {
		res.RunError = err.Error()
	}
	return res
}

// writeWrapper makes the RUNTIME script: the suite calls "$RUNTIME create
// --bundle ...", so global options must be put in front of the command.
func writeWrapper(path, runtime, root string) error {
	script := fmt.Sprintf("#!/bin/sh\nexec %s --root %s \"$@\"\n", shellQuote(runtime), shellQuote(root))
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return fmt.Errorf("write runtime wrapper %s: %w", path, err)
	}
	return nil
}

// cleanupContainers force-deletes whatever containers the program left in
// its private state root (a failing test skips its own cleanup). These are
// only containers this run created.
func cleanupContainers(wrapper, logDir, name string) {
	out, err := exec.Command(wrapper, "list", "--quiet").Output()
	if err != nil {
		return
	}
	for _, id := range strings.Fields(string(out)) {
		if b, err := exec.Command(wrapper, "delete", "--force", id).CombinedOutput(); err != nil {
			appendLog(filepath.Join(logDir, name+".stderr"),
				fmt.Sprintf("conformance cleanup: delete --force %s: %v: %s\n", id, err, b))
		}
	}
}

// readHead returns up to n bytes from the start of path ("" when it cannot
// be read: the output only ever narrows which expectations apply).
func readHead(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return string(b)
}

func appendLog(path, msg string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(msg)
}

func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// shellQuote quotes s for /bin/sh: wraps it in single quotes and turns
// each embedded single quote into close-quote, backslash-quote, open-quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
