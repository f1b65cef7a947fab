package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestPodmanRunAttached: output, exit codes and containers.conf's ulimits
// reach the container; --rm leaves nothing.
func TestPodmanRunAttached(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	wantOutput(t, p.runRm(runOpts{}, nil, "echo", "hello"), 0, "hello")
	wantOutput(t, p.runRm(runOpts{}, nil, "sh", "-c", "ulimit -n; ulimit -u"), 0, "20000\n20000")
	wantOutput(t, p.runRm(runOpts{}, nil, "sh", "-c", "echo out; exit 7"), 7, "out")
	// 127: podman's code for "command not found" from the runtime.
	if r := p.runRm(runOpts{}, nil, "/no/such/binary"); r.code != 127 {
		t.Errorf("missing binary: want exit 127: %s", r)
	}
	p.assertClean()
}

// TestPodmanRunInteractive: -i passes stdin through conmon to the container.
func TestPodmanRunInteractive(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	r := p.runRm(runOpts{stdin: strings.NewReader("line one\nline two\n")}, []string{"-i"}, "sh", "-c", "cat; echo done")
	wantOutput(t, r, 0, "line one\nline two\ndone")
	p.assertClean()
}

// TestPodmanRunTTY: -t gives the container a terminal (hull creates it and
// hands the master to conmon over --console-socket), with and without -i.
func TestPodmanRunTTY(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	r := p.runRm(runOpts{}, []string{"-t"}, "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo is-a-tty; tty; exit 3")
	if r.code != 3 || !strings.Contains(r.stdout, "is-a-tty") || !strings.Contains(r.stdout, "/dev/pts/") {
		t.Errorf("run -t: want a terminal and exit 3: %s", r)
	}
	// -it under a real terminal: what a user typing `podman run -it` gets.
	master, slave, err := testutil.OpenPty()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	defer master.Close()
	outc := make(chan string, 1)
	go func() { outc <- testutil.ReadUntil(master, "tty-done", 30*time.Second) }()
	r = p.runRm(runOpts{tty: slave}, []string{"-it"}, "sh", "-c", "stty size >/dev/null && tty && echo tty-done")
	slave.Close()
	out := <-outc
	if r.code != 0 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "tty-done") {
		t.Errorf("run -it: exit %d, terminal output %q", r.code, out)
	}
	p.assertClean()
}

// TestPodmanDetachedLifecycle: a detached container through exec, pause,
// update, top, logs and stop with a timeout.
func TestPodmanDetachedLifecycle(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	name := testutil.NewID(t)
	// The container ignores SIGTERM so stop must escalate after -t.
	id := p.runDetached(name, nil, "sh", "-c", `trap "" TERM; echo started; while :; do sleep 0.1; done`)
	p.waitStatus(name, "running")
	if _, err := os.Stat(filepath.Join(p.stateDir(), id, "state.json")); err != nil {
		t.Errorf("hull state for %s: %v (did podman run hull?)", id, err)
	}
	if got := cgroupDirsNaming(id); len(got) == 0 {
		t.Errorf("no cgroup named after %s while running: leftover check would be vacuous", id)
	}

	t.Run("exec", func(t *testing.T) {
		wantOutput(t, p.do("exec", name, "sh", "-c", "echo in-exec"), 0, "in-exec")
		wantOutput(t, p.do("exec", name, "sh", "-c", "exit 5"), 5, "")
		wantOutput(t, p.do("exec", "--user", "1000", "--workdir", "/tmp", "--env", "FOO=bar", name,
			"sh", "-c", `echo "$(id -u):$(id -g) $(pwd) $FOO"`), 0, "1000:1000 /tmp bar")
		r := p.do("exec", "-t", name, "sh", "-c", "[ -t 1 ] && tty")
		if r.code != 0 || !strings.Contains(r.stdout, "/dev/pts/") {
			t.Errorf("exec -t: want a terminal: %s", r)
		}
		r = p.cmd(runOpts{stdin: strings.NewReader("piped\n")}, "exec", "-i", name, "cat")
		wantOutput(t, r, 0, "piped")
		if r := p.do("exec", name, "/no/such/binary"); r.code != 127 {
			t.Errorf("exec of a missing binary: want 127: %s", r)
		}
	})

	t.Run("pause", func(t *testing.T) {
		mustOK(t, p.do("pause", name))
		p.waitStatus(name, "paused")
		if st, err := cgroupFile(id, "freezer", "freezer.state"); err != nil || st != "FROZEN" {
			t.Errorf("freezer.state after pause: %q, %v", st, err)
		}
		mustOK(t, p.do("unpause", name))
		p.waitStatus(name, "running")
		wantOutput(t, p.do("exec", name, "echo", "thawed"), 0, "thawed")
	})

	t.Run("update", func(t *testing.T) {
		mustOK(t, p.do("update", "--memory", "64m", name))
		if got, err := cgroupFile(id, "memory", "memory.limit_in_bytes"); err != nil || got != "67108864" {
			t.Errorf("memory.limit_in_bytes after update --memory 64m: %q, %v", got, err)
		}
	})

	t.Run("top-ps-logs", func(t *testing.T) {
		r := mustOK(t, p.do("top", name, "pid", "args"))
		if !strings.Contains(r.stdout, "trap") && !strings.Contains(r.stdout, "sh -c") {
			t.Errorf("top does not show the container's shell: %s", r)
		}
		r = mustOK(t, p.do("ps", "--format", "{{.Names}} {{.Status}}"))
		if !strings.Contains(r.stdout, name+" Up") {
			t.Errorf("ps does not list %s as Up: %s", name, r)
		}
		wantOutput(t, p.do("logs", name), 0, "started")
	})

	t.Run("stop-timeout", func(t *testing.T) {
		start := time.Now()
		mustOK(t, p.do("stop", "--time", "1", name))
		took := time.Since(start)
		if took < time.Second {
			t.Errorf("stop -t 1 of a TERM-ignoring container took %v: SIGTERM was not given its second", took)
		}
		wantOutput(t, p.do("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name), 0, "exited 137")
	})

	mustOK(t, p.do("rm", name))
	p.assertClean()
}

// TestPodmanKill: kill with a signal the container handles, then the default
// SIGKILL.
func TestPodmanKill(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	name := testutil.NewID(t)
	p.runDetached(name, nil, "sh", "-c", `trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done`)
	p.waitStatus(name, "running")
	if !waitFor(10*time.Second, func() bool { return strings.Contains(p.do("logs", name).stdout, "ready") }) {
		t.Fatalf("container never became ready: %s", p.do("logs", name))
	}
	mustOK(t, p.do("kill", "--signal", "USR1", name))
	if !waitFor(10*time.Second, func() bool { return strings.Contains(p.do("logs", name).stdout, "got-usr1") }) {
		t.Errorf("SIGUSR1 did not reach the container: %s", p.do("logs", name))
	}
	mustOK(t, p.do("kill", name))
	p.waitStatus(name, "exited")
	wantOutput(t, p.do("inspect", "--format", "{{.State.ExitCode}}", name), 0, "137")
	mustOK(t, p.do("rm", name))
	p.assertClean()
}

// TestPodmanRmForceRunning: rm -f of a running container kills and deletes
// it in one go.
func TestPodmanRmForceRunning(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	name := testutil.NewID(t)
	p.runDetached(name, nil, "sleep", "1000")
	p.waitStatus(name, "running")
	mustOK(t, p.do("rm", "--force", "--time", "0", name))
	if r := p.do("inspect", name); r.code == 0 {
		t.Errorf("container still known after rm -f: %s", r)
	}
	p.assertClean()
}

// TestPodmanCgroupsDisabled: --cgroups=disabled makes podman call hull with
// --cgroup-manager disabled; the container stays in conmon's cgroups, which
// are this test's.
func TestPodmanCgroupsDisabled(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	if testutil.IsRunc(p.hull) {
		t.Skip("runc has no --cgroup-manager flag (podman only uses it for runtimes in runtime_supports_nocgroup)")
	}
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatalf("read own cgroups: %v", err)
	}
	r := p.runRm(runOpts{}, []string{"--cgroups=disabled"}, "cat", "/proc/self/cgroup")
	wantOutput(t, r, 0, strings.TrimSpace(string(own)))
	p.assertClean()
}

// TestPodmanUserNamespace: --uidmap/--gidmap run the container in a user
// namespace with exactly those maps.
func TestPodmanUserNamespace(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	// As podman's storage would for an image: the rootfs belongs to the
	// container's root, so it can create mount points such as /etc/hosts.
	if out, err := exec.Command("chown", "-hR", "100000:200000", p.rootfs).CombinedOutput(); err != nil {
		t.Fatalf("chown rootfs: %v: %s", err, out)
	}
	r := p.runRm(runOpts{}, []string{"--uidmap", "0:100000:65536", "--gidmap", "0:200000:65536"},
		"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u")
	fields := strings.Fields(r.stdout)
	want := []string{"0", "100000", "65536", "0", "200000", "65536", "0"}
	if r.code != 0 || strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("want uid_map 0 100000 65536, gid_map 0 200000 65536, uid 0: %s", r)
	}
	p.assertClean()
}

// TestPodmanPreserveFds: --preserve-fds 2 hands fds 3 and 4 to the
// container (podman passes --preserve-fds to hull create).
func TestPodmanPreserveFds(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	var files []*os.File
	for _, content := range []string{"fd-three", "fd-four"} {
		path := filepath.Join(p.dir, content)
		if err := os.WriteFile(path, []byte(content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	r := p.runRm(runOpts{extraFiles: files}, []string{"--preserve-fds", "2"}, "sh", "-c", "cat <&3; cat <&4")
	wantOutput(t, r, 0, "fd-three\nfd-four")
	p.assertClean()
}
