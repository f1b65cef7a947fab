package clients

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestCtrRunAttached: ctr run in the foreground returns the container's
// output and exit status, and --rm leaves nothing.
func TestCtrRunAttached(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	id := c.newID()
	r := c.ctr(c.runArgs([]string{"--rm"}, id, "sh", "-c", "echo hello; exit 3")...)
	wantOutput(t, r, 3, "hello")
	// (Not stdin: ctr 1.6 never closes the task's stdin at EOF.)
	id = c.newID()
	r = c.ctr(c.runArgs([]string{"--rm"}, id, "sh", "-c", "echo $HOME; echo err >&2; kill -TERM $$; exit 0")...)
	wantOutput(t, r, 0, "/root")
	if !strings.Contains(r.stderr, "err") {
		t.Errorf("container stderr not passed through: %s", r)
	}
	c.assertClean()
}

// TestCtrRunTTY: ctr run -t under a terminal; hull sends the container's
// console master to the shim over --console-socket.
func TestCtrRunTTY(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	master, slave, err := testutil.OpenPty()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	defer master.Close()
	outc := make(chan string, 1)
	go func() { outc <- testutil.ReadUntil(master, "tty-done", 30*time.Second) }()
	id := c.newID()
	r := c.ctrWith(runOpts{tty: slave}, c.runArgs([]string{"--rm", "--tty"}, id,
		"sh", "-c", "[ -t 0 ] && [ -t 1 ] && tty && echo tty-done; exit 4")...)
	slave.Close()
	out := <-outc
	if r.code != 4 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "tty-done") {
		t.Errorf("run -t: exit %d (want 4), terminal output %q", r.code, out)
	}
	c.assertClean()
}

// TestCtrDetachedLifecycle: a detached task through exec (with and without
// a terminal), ps, pause/resume, a resources update and kill.
func TestCtrDetachedLifecycle(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	id := c.newID()
	mustOK(t, c.ctr(c.runArgs([]string{"--detach"}, id,
		"sh", "-c", `trap "exit 0" TERM; while :; do sleep 0.1; done`)...))
	pid := c.waitTask(id, "RUNNING")
	c.assertHullState(id)
	if got := cgroupDirsNaming(id); len(got) == 0 {
		t.Errorf("no cgroup named after %s while running: leftover check would be vacuous", id)
	}
	if got := procsNaming("", c.rootfs); len(got) == 0 {
		t.Errorf("no process found rooted in %s while running: leftover check would be vacuous", c.rootfs)
	}

	t.Run("exec", func(t *testing.T) {
		r := c.ctr("task", "exec", "--exec-id", "e1", "--cwd", "/tmp", "--user", "1000", id,
			"sh", "-c", `echo "$(id -u) $(pwd)"; exit 6`)
		wantOutput(t, r, 6, "1000 /tmp")
		master, slave, err := testutil.OpenPty()
		if err != nil {
			t.Fatalf("open pty: %v", err)
		}
		defer master.Close()
		outc := make(chan string, 1)
		go func() { outc <- testutil.ReadUntil(master, "exec-tty-done", 30*time.Second) }()
		r = c.ctrWith(runOpts{tty: slave}, "task", "exec", "--tty", "--exec-id", "e2", id,
			"sh", "-c", "tty && echo exec-tty-done")
		slave.Close()
		if out := <-outc; r.code != 0 || !strings.Contains(out, "/dev/pts/") {
			t.Errorf("exec -t: exit %d, terminal output %q", r.code, out)
		}
	})

	t.Run("ps", func(t *testing.T) {
		r := mustOK(t, c.ctr("task", "ps", id))
		if !strings.Contains(r.stdout, "\n"+pid+" ") && !strings.Contains(r.stdout, "\n"+pid+"\t") {
			t.Errorf("task ps does not list the init pid %s: %s", pid, r)
		}
	})

	t.Run("pause-resume", func(t *testing.T) {
		mustOK(t, c.ctr("task", "pause", id))
		c.waitTask(id, "PAUSED")
		if st, err := cgroupFile(id, "freezer", "freezer.state"); err != nil || st != "FROZEN" {
			t.Errorf("freezer.state after pause: %q, %v", st, err)
		}
		mustOK(t, c.ctr("task", "resume", id))
		c.waitTask(id, "RUNNING")
		r := c.ctr("task", "exec", "--exec-id", "e3", id, "echo", "thawed")
		wantOutput(t, r, 0, "thawed")
	})

	t.Run("update", func(t *testing.T) {
		limit := int64(64 << 20)
		ctx, cancel := withTimeout()
		defer cancel()
		if err := updateTask(ctx, c.sock, c.ns, id, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}); err != nil {
			t.Fatalf("update memory limit: %v", err)
		}
		if got, err := cgroupFile(id, "memory", "memory.limit_in_bytes"); err != nil || got != fmt.Sprint(limit) {
			t.Errorf("memory.limit_in_bytes after update: %q, %v; want %d", got, err, limit)
		}
	})

	t.Run("kill", func(t *testing.T) {
		mustOK(t, c.ctr("task", "kill", "--signal", "TERM", id))
		c.waitTask(id, "STOPPED")
	})
	c.remove(id)
	c.assertClean()
}

// TestCtrKillAll: kill --all reaches every process of the container, not
// only its init (which here ignores the signal's default while children
// run).
func TestCtrKillAll(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	id := c.newID()
	mustOK(t, c.ctr(c.runArgs([]string{"--detach"}, id, "sh", "-c", "sleep 1000 & sleep 1000 & wait")...))
	c.waitTask(id, "RUNNING")
	if !waitFor(10*time.Second, func() bool { return len(procsNaming("", c.rootfs)) >= 3 }) {
		t.Fatalf("want 3 processes in the container: %v", procsNaming("", c.rootfs))
	}
	mustOK(t, c.ctr("task", "kill", "--all", "--signal", "KILL", id))
	c.waitTask(id, "STOPPED")
	if left := procsNaming("", c.rootfs); len(left) != 0 {
		t.Errorf("processes survived kill --all: %v", left)
	}
	c.remove(id)
	c.assertClean()
}

// TestCtrTaskRmForce: task rm -f of a running task kills and deletes it.
func TestCtrTaskRmForce(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	id := c.newID()
	mustOK(t, c.ctr(c.runArgs([]string{"--detach"}, id, "sleep", "1000")...))
	c.waitTask(id, "RUNNING")
	mustOK(t, c.ctr("task", "delete", "--force", id))
	if st, _ := c.taskStatus(id); st != "" {
		t.Errorf("task still listed after rm -f: %s", st)
	}
	mustOK(t, c.ctr("container", "delete", id))
	c.assertClean()
}

// TestCtrNoPivot: --no-pivot reaches hull's create. containerd 1.6 drops
// BinaryName for such containers, so this relies on hull being installed as
// runc in containerd's opt bin directory.
func TestCtrNoPivot(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, true)
	id := c.newID()
	mustOK(t, c.ctr(c.runArgs([]string{"--detach", "--no-pivot"}, id, "sleep", "1000")...))
	c.waitTask(id, "RUNNING")
	if st := c.assertHullState(id); st != nil && st["no_pivot"] != true {
		t.Errorf("hull state of %s: no_pivot = %v, want true", id, st["no_pivot"])
	}
	r := c.ctr("task", "exec", "--exec-id", "e1", id, "cat", "/proc/self/mountinfo")
	rootMounted := false
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/" {
			rootMounted = true
		}
	}
	if r.code != 0 || !rootMounted {
		t.Errorf("container has no root mount: %s", r)
	}
	mustOK(t, c.ctr("task", "kill", "--signal", "KILL", id))
	c.waitTask(id, "STOPPED")
	c.remove(id)
	c.assertClean()
}

// TestCtrUserNamespace: ctr --uidmap/--gidmap. containerd 1.6 sends the shim
// only the task options for such containers and loses --runc-binary, so the
// shim runs "runc" from PATH: with hull installed as <opt>/bin/runc that is
// hull (asserted from its state), without it a system runc would silently
// run the container instead (the bug this installation makes harmless).
func TestCtrUserNamespace(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, true)
	id := c.newID()
	mustOK(t, c.ctr(c.userNSRunArgs(id, "sleep", "1000")...))
	pid := c.waitTask(id, "RUNNING")
	c.assertHullState(id)
	r := c.ctr("task", "exec", "--exec-id", "e1", id, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u")
	want := "0 100000 65536 0 200000 65536 0"
	if got := strings.Join(strings.Fields(r.stdout), " "); r.code != 0 || got != want {
		t.Errorf("want maps and uid %q: %s", want, r)
	}
	status, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil || !strings.Contains(string(status), "Uid:\t100000\t100000\t100000\t100000") {
		t.Errorf("container init on the host: want uid 100000: %v\n%s", err, status)
	}
	mustOK(t, c.ctr("task", "kill", "--signal", "KILL", id))
	c.waitTask(id, "STOPPED")
	c.remove(id)
	c.assertClean()
}

// TestCtrUserNamespaceBugWithoutOptBin documents the containerd 1.6 bug the
// opt bin installation guards against: with hull given only as
// --runc-binary, a user-namespaced container is not run by hull.
func TestCtrUserNamespaceBugWithoutOptBin(t *testing.T) {
	t.Parallel()
	c := startContainerd(t, false)
	if testutil.IsRunc(c.hull) {
		t.Skip("validating against runc: cannot tell runc from runc")
	}
	id := c.newID()
	r := c.ctr(c.userNSRunArgs(id, "sleep", "1000")...)
	if r.code != 0 {
		// No runc on the shim's PATH: containerd's error names it.
		if !strings.Contains(r.stderr, `"runc": executable file not found`) {
			t.Errorf("want the shim to fail looking for runc: %s", r)
		}
	} else {
		c.waitTask(id, "RUNNING")
		st := readJSON(t, filepath.Join(c.runcRoot(), id, "state.json"))
		if _, isHull := st["pid_start_time"]; isHull {
			t.Errorf("hull ran the container: containerd no longer drops BinaryName; update the README's advice")
		}
		mustOK(t, c.ctr("task", "kill", "--signal", "KILL", id))
		c.waitTask(id, "STOPPED")
		c.remove(id)
	}
	c.ctr("container", "delete", id) // created even when the task was not
	c.assertClean()
}
