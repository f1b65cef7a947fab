//go:build cgo

package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Environment of the helper process (the test binary re-executed).
const (
	envMode     = "HULL_SECCOMP_HELPER"   // "exec" or "syscalls"
	envProfile  = "HULL_SECCOMP_PROFILE"  // path of a linux.seccomp JSON file
	envArgs     = "HULL_SECCOMP_ARGS"     // JSON: argv to exec, or syscall numbers
	envNNP      = "HULL_SECCOMP_NNP"      // "1": set no_new_privs before Load
	envMetadata = "HULL_SECCOMP_METADATA" // listenerMetadata to send
)

// TestHelper is not a test. The real tests re-execute the test binary with
// -test.run=^TestHelper$ and envMode set; it then plays the container init's
// last steps on one locked thread: Prepare, (no_new_privs), Load, SendNotify,
// and execve or raw syscalls. Run on its own it skips.
func TestHelper(t *testing.T) {
	mode := os.Getenv(envMode)
	if mode == "" {
		t.Skip("helper process for the seccomp tests")
	}
	runtime.LockOSThread()
	if err := helperMain(mode); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helperMain(mode string) error {
	raw, err := os.ReadFile(os.Getenv(envProfile))
	if err != nil {
		return err
	}
	var prof specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &prof); err != nil {
		return fmt.Errorf("parse profile: %w", err)
	}
	f, err := Prepare(&prof)
	if err != nil {
		return err
	}
	if os.Getenv(envNNP) == "1" {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("no_new_privs: %w", err)
		}
	}
	switch mode {
	case "exec":
		var argv []string
		if err := json.Unmarshal([]byte(os.Getenv(envArgs)), &argv); err != nil {
			return fmt.Errorf("parse argv: %w", err)
		}
		fd, err := f.Load()
		if err != nil {
			return err
		}
		if fd != nil {
			st := &specs.ContainerProcessState{
				Pid:      os.Getpid(),
				Metadata: os.Getenv(envMetadata),
				State:    specs.State{Version: specs.Version, ID: "helper", Status: specs.StateCreating, Pid: os.Getpid(), Bundle: "/bundle"},
			}
			if err := SendNotify(prof.ListenerPath, st, fd); err != nil {
				return err
			}
			fd.Close()
		}
		return unix.Exec(argv[0], argv, os.Environ())
	case "syscalls":
		var nrs []uintptr
		if err := json.Unmarshal([]byte(os.Getenv(envArgs)), &nrs); err != nil {
			return fmt.Errorf("parse syscall numbers: %w", err)
		}
		if _, err := f.Load(); err != nil {
			return err
		}
		// Invalid arguments on purpose: only the errno the filter (or the
		// kernel) answers with matters. RawSyscall stays on this thread.
		var out []string
		for _, nr := range nrs {
			_, _, errno := unix.RawSyscall6(nr, ^uintptr(0), ^uintptr(0), 0, 0, 0, 0)
			out = append(out, fmt.Sprintf("%d=%d", nr, int(errno)))
		}
		fmt.Println(strings.Join(out, " "))
		return nil
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

// helperResult is what a helper run produced.
type helperResult struct {
	stdout, stderr string
	err            error
	status         syscall.WaitStatus
}

// runHelper runs the helper with profile p in mode and args.
func runHelper(t *testing.T, p *specs.LinuxSeccomp, mode string, args any, extraEnv ...string) helperResult {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "profile.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$")
	cmd.Env = append(os.Environ(), envMode+"="+mode, envProfile+"="+path, envArgs+"="+string(a))
	cmd.Env = append(cmd.Env, extraEnv...)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err = cmd.Run()
	res := helperResult{stdout: so.String(), stderr: se.String(), err: err}
	if cmd.ProcessState != nil {
		res.status = cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	return res
}

// errnos parses the "syscalls" mode output into nr -> errno.
func errnos(t *testing.T, r helperResult) map[int]int {
	t.Helper()
	if r.err != nil {
		t.Fatalf("helper: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
	out := map[int]int{}
	for _, kv := range strings.Fields(r.stdout) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		nr, err1 := strconv.Atoi(k)
		e, err2 := strconv.Atoi(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad helper output %q", r.stdout)
		}
		out[nr] = e
	}
	return out
}

func busybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("busybox not installed")
	return ""
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loading a filter without no_new_privs needs root")
	}
}
