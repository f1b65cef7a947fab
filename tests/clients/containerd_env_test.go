package clients

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// containerd is a private containerd daemon started by one test: its own
// config, root, state, sockets and opt directory, and its own namespace.
type containerd struct {
	t      *testing.T
	hull   string
	dir    string
	sock   string
	ns     string
	optBin string // <opt>/bin, first on the shim's PATH
	rootfs string
	cmd    *exec.Cmd
	log    string
	ids    []string
}

// runcRoot is the runtime --root the runc.v2 shim passes:
// /run/containerd/runc/<ns> (on this package's private /run).
func (c *containerd) runcRoot() string { return filepath.Join("/run/containerd/runc", c.ns) }

// bundleDir is where the shim keeps the bundle, log.json and init.pid.
func (c *containerd) bundleDir(id string) string {
	return filepath.Join(c.dir, "state", "io.containerd.runtime.v2.task", c.ns, id)
}

// startContainerd starts containerd with a private config and stops it (by
// its PID) when the test ends. With installRunc, hull is installed as `runc`
// in containerd's opt bin directory: containerd 1.6's opt plugin prepends
// <opt path>/bin to its own PATH, which the shims it starts inherit, so a
// shim that runs "runc" (as it does when containerd 1.6 drops the runtime
// options carrying BinaryName) finds hull before any system runc.
func startContainerd(t *testing.T, installRunc bool) *containerd {
	t.Helper()
	needBinaries(t, "containerd", "ctr", "containerd-shim-runc-v2")
	c := &containerd{t: t, hull: testutil.BuildHull(t), dir: testutil.TempDir(t, "ctd-")}
	c.sock = filepath.Join(c.dir, "c.sock")
	c.ns = strings.ReplaceAll(testutil.NewID(t), "-", "")
	c.optBin = filepath.Join(c.dir, "opt", "bin")
	if err := os.MkdirAll(c.optBin, 0o755); err != nil {
		t.Fatalf("mkdir opt: %v", err)
	}
	if installRunc {
		if err := copyFile(c.hull, filepath.Join(c.optBin, "runc"), 0o755); err != nil {
			t.Fatalf("install hull as runc: %v", err)
		}
	}
	// cri is disabled: it would want CNI and image pulls. The debug and
	// metrics endpoints stay off (empty addresses).
	conf := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q

[ttrpc]
  address = %q

[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(c.dir, "root"), filepath.Join(c.dir, "state"), c.sock, c.sock+".ttrpc", filepath.Join(c.dir, "opt"))
	confPath := filepath.Join(c.dir, "config.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatalf("write %s: %v", confPath, err)
	}
	c.log = filepath.Join(c.dir, "containerd.log")
	logF, err := os.Create(c.log)
	if err != nil {
		t.Fatalf("create log: %v", err)
	}
	defer logF.Close()
	c.cmd = exec.Command("containerd", "--config", confPath)
	c.cmd.Stdout, c.cmd.Stderr = logF, logF
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start containerd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(exited) }()
	t.Cleanup(func() { c.stop(exited) })
	if !waitFor(20*time.Second, func() bool {
		conn, err := net.Dial("unix", c.sock)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}) {
		t.Fatalf("containerd did not open %s; log:\n%s", c.sock, tail(c.log))
	}
	c.rootfs = testutil.NewRootfs(t)
	return c
}

// stop removes what a failed test left in our namespace, then stops
// containerd (the PID we started) and any shim still serving our socket.
func (c *containerd) stop(exited chan struct{}) {
	for _, id := range c.ids {
		c.ctr("task", "kill", "--all", "--signal", "KILL", id)
		c.ctr("task", "delete", "--force", id)
		c.ctr("container", "delete", id)
	}
	if c.t.Failed() {
		c.t.Logf("containerd log:\n%s", tail(c.log))
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-exited
	}
	// Shims outlive containerd by design; ours are the ones started with
	// our private socket address.
	for _, p := range procsNaming(c.sock, "") {
		var pid int
		if _, err := fmt.Sscanf(p, "process %d:", &pid); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	removeEmptyCgroupDirs(c.ns)
}

// ctr runs `ctr --address <sock> -n <ns> args...` with stdin /dev/null.
func (c *containerd) ctr(args ...string) result {
	c.t.Helper()
	return c.ctrWith(runOpts{}, args...)
}

func (c *containerd) ctrWith(o runOpts, args ...string) result {
	c.t.Helper()
	argv := append([]string{"ctr", "--address", c.sock, "--namespace", c.ns}, args...)
	return runCmd(c.t, o, argv...)
}

// newID returns a fresh container id, remembered for cleanup and the
// leftover check.
func (c *containerd) newID() string {
	id := testutil.NewID(c.t)
	c.ids = append(c.ids, id)
	return id
}

// runArgs builds `ctr run` arguments for the busybox rootfs with hull as the
// runtime binary. ctr's default spec for a bare rootfs has no PATH.
func (c *containerd) runArgs(flags []string, id string, cmd ...string) []string {
	args := append([]string{"run", "--env", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "--runc-binary", c.hull}, flags...)
	args = append(args, "--rootfs", c.rootfs, id)
	return append(args, cmd...)
}

// taskStatus is ctr's view of a task: RUNNING, PAUSED, STOPPED, or "" if
// there is none.
func (c *containerd) taskStatus(id string) (status string, pid string) {
	c.t.Helper()
	r := c.ctr("task", "list")
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == id {
			return f[2], f[1]
		}
	}
	return "", ""
}

func (c *containerd) waitTask(id, want string) string {
	c.t.Helper()
	var got, pid string
	if !waitFor(15*time.Second, func() bool { got, pid = c.taskStatus(id); return got == want }) {
		c.t.Fatalf("task %s: status %q, want %q", id, got, want)
	}
	return pid
}

// remove deletes a stopped task and its container.
func (c *containerd) remove(id string) {
	c.t.Helper()
	mustOK(c.t, c.ctr("task", "delete", id))
	mustOK(c.t, c.ctr("container", "delete", id))
}

// assertClean checks ctr lists no task or container and nothing is left:
// hull state under the shim's --root, the bundle, cgroups, mounts, shims or
// container processes.
func (c *containerd) assertClean() {
	c.t.Helper()
	for _, what := range []string{"task", "container"} {
		r := c.ctr(what, "list", "--quiet")
		if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
			c.t.Errorf("ctr still lists a %s: %s", what, r)
		}
	}
	if len(c.ids) == 0 {
		c.t.Errorf("test bug: no container id recorded, leftover check would be vacuous")
	}
	dirs := []string{c.runcRoot(), filepath.Join(c.dir, "state", "io.containerd.runtime.v2.task", c.ns)}
	assertNoTraces(c.t, c.ids, dirs, c.rootfs)
}

// assertHullState proves hull, not another runc, created the container:
// the state file under the shim's --root is hull's (runc's has no
// pid_start_time) and `hull state` reads it.
func (c *containerd) assertHullState(id string) map[string]any {
	c.t.Helper()
	if testutil.IsRunc(c.hull) {
		return nil // validating the tests against runc: its state differs
	}
	st := readJSON(c.t, filepath.Join(c.runcRoot(), id, "state.json"))
	if _, ok := st["pid_start_time"]; !ok {
		c.t.Errorf("state.json of %s is not hull's (no pid_start_time): another runtime ran it", id)
	}
	r := runCmd(c.t, runOpts{}, c.hull, "--root", c.runcRoot(), "state", id)
	if r.code != 0 || !strings.Contains(r.stdout, `"running"`) {
		c.t.Errorf("hull state %s: %s", id, r)
	}
	return st
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst, err)
	}
	return nil
}

// tail returns the last lines of a log file for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// userNSRunArgs builds `ctr run --detach` arguments for a user-namespaced
// container (container ids 0-65535 on host uids 100000+, gids 200000+).
// ctr 1.6 applies --uidmap/--gidmap to the spec only for images, so the
// spec comes from a file (ctr's own default, `ctr oci spec`, plus the user
// namespace); the flags are still given because they are what makes ctr
// send the task options {"io_uid","io_gid"} that trigger containerd's bug.
func (c *containerd) userNSRunArgs(id string, cmd ...string) []string {
	c.t.Helper()
	// As a remapped snapshot would: the rootfs belongs to the container's
	// root, so it can create mount points such as /run.
	if out, err := exec.Command("chown", "-hR", "100000:200000", c.rootfs).CombinedOutput(); err != nil {
		c.t.Fatalf("chown rootfs: %v: %s", err, out)
	}
	r := mustOK(c.t, c.ctr("oci", "spec"))
	var s specs.Spec
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		c.t.Fatalf("parse ctr oci spec: %v", err)
	}
	s.Root = &specs.Root{Path: c.rootfs}
	s.Process.Args = cmd
	s.Process.Env = []string{"PATH=/bin:/sbin:/usr/bin:/usr/sbin"}
	s.Process.Terminal = false
	s.Linux.CgroupsPath = "/" + c.ns + "/" + id
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	b, err := json.Marshal(&s)
	if err != nil {
		c.t.Fatalf("marshal spec: %v", err)
	}
	path := filepath.Join(c.dir, id+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		c.t.Fatalf("write %s: %v", path, err)
	}
	return []string{"run", "--detach", "--config", path, "--runc-binary", c.hull,
		"--uidmap", "0:100000:65536", "--gidmap", "0:200000:65536", id}
}
