package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// startWithCPUs starts cmd with the CPU mask set: a child inherits the mask
// of the thread that forks it. HULL_PIN=1: hull pins itself even when the
// tests running beside it keep the CPUs busy, so that what is checked here,
// the caller's mask given back, is always exercised.
func startWithCPUs(set *unix.CPUSet, cmd *exec.Cmd) error {
	cmd.Env = append(cmd.Environ(), "HULL_PIN=1")
	runtime.LockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	if err := unix.SchedSetaffinity(0, set); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil {
		// The thread keeps the mask: stay locked, so the runtime ends it.
		return rerr
	}
	runtime.UnlockOSThread()
	return err
}

func runWithCPUs(t *testing.T, set *unix.CPUSet, bin, root string, args ...string) string {
	t.Helper()
	cmd := testutil.Command(t, bin, root, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := startWithCPUs(set, cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hull %s: %v: %s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// readLine waits until p holds a whole line (a hook may still be writing it).
func readLine(p string, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	for {
		raw, err := os.ReadFile(p)
		if err == nil && strings.HasSuffix(string(raw), "\n") {
			return string(raw), nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s: no whole line after %v: %q", p, d, raw)
			}
			return "", err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cpuList is the kernel's Cpus_allowed_list spelling of set.
func cpuList(set *unix.CPUSet) string {
	var parts []string
	for c := 0; c < 1024; {
		if !set.IsSet(c) {
			c++
			continue
		}
		end := c
		for end+1 < 1024 && set.IsSet(end+1) {
			end++
		}
		if end == c {
			parts = append(parts, strconv.Itoa(c))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", c, end))
		}
		c = end + 1
	}
	return strings.Join(parts, ",")
}

func allowedList(t *testing.T, status string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list in %q", status)
	return ""
}

// TestCallersCPUsReachContainer: hull runs pinned to one CPU
// (internal/oneproc), but everything it starts gets the caller's CPU mask
// back: the container's process, its hooks (run by the CLI, by the set-up
// thread and by the Go init), and a process `hull exec` starts. A caller
// pinned to one CPU keeps its container there too.
func TestCallersCPUsReachContainer(t *testing.T) {
	t.Parallel()
	bin := testutil.BuildHull(t)
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	if all.Count() < 2 {
		t.Skip("one CPU: nothing to pin or restore")
	}
	last := 0
	for c := 0; c < 1024; c++ {
		if all.IsSet(c) {
			last = c
		}
	}
	var one unix.CPUSet
	one.Set(last)
	for _, tc := range []struct {
		name   string
		set    *unix.CPUSet
		goInit bool // a startContainer hook: the Go init sets up, not the set-up thread
	}{{"all CPUs", &all, false}, {"one CPU", &one, false}, {"all CPUs, Go init", &all, true}} {
		t.Run(tc.name, func(t *testing.T) {
			want := cpuList(tc.set)
			dir := testutil.TempDir(t, "aff-")
			script := filepath.Join(dir, "hook.sh")
			if err := os.WriteFile(script, []byte("#!/bin/sh\ngrep Cpus_allowed_list /proc/self/status > \"$2/$1.cpus\"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			b := testutil.NewBundle(t, "sh", "-c", "grep Cpus_allowed_list /proc/self/status > "+dir+"/container.cpus; echo ready; read x")
			b.Edit(func(s *specs.Spec) {
				h := func(name string) []specs.Hook {
					return []specs.Hook{{Path: script, Args: []string{script, name, dir}}}
				}
				s.Hooks = &specs.Hooks{Prestart: h("prestart"), CreateContainer: h("createContainer"), Poststart: h("poststart")}
				if tc.goInit {
					s.Hooks.StartContainer = h("startContainer")
				}
				s.Mounts = append(s.Mounts, specs.Mount{Destination: dir, Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
			})
			root := testutil.Root(t)
			cmd := testutil.Command(t, bin, root, "run", "--bundle", b.Dir, b.ID)
			startUntilReady(t, cmd, func(c *exec.Cmd) error { return startWithCPUs(tc.set, c) })
			// hull's own threads run on one CPU; the one that starts a hook
			// holds the caller's mask for the moment of its fork (poststart
			// may be starting now), so look at each until all are back.
			task := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task"
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				wide := ""
				ents, err := os.ReadDir(task)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range ents {
					raw, err := os.ReadFile(task + "/" + e.Name() + "/status")
					if err != nil {
						continue // the thread ended
					}
					if l := allowedList(t, string(raw)); strings.ContainsAny(l, ",-") {
						wide = "thread " + e.Name() + " may use CPUs " + l
					}
				}
				if wide == "" {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("hull run itself: %s, want one CPU (internal/oneproc)", wide)
					break
				}
			}
			execOut := runWithCPUs(t, tc.set, bin, root, "exec", b.ID, "grep", "Cpus_allowed_list", "/proc/self/status")
			if got := allowedList(t, execOut); got != want {
				t.Errorf("hull exec's process may use CPUs %s, want the caller's %s", got, want)
			}
			names := []string{"container", "prestart", "createContainer", "poststart"}
			if tc.goInit {
				names = append(names, "startContainer")
			}
			for _, name := range names {
				// poststart runs beside the container: wait for its line.
				raw, err := readLine(filepath.Join(dir, name+".cpus"), 10*time.Second)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if got := allowedList(t, string(raw)); got != want {
					t.Errorf("%s may use CPUs %s, want the caller's %s", name, got, want)
				}
			}
		})
	}
}
