package security

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// garbage is what a container can leave behind on the host.
type garbage struct {
	stateDir, stateJSON bool
	cgroups             []string
	procs               []int
}

func (g garbage) empty() bool {
	return !g.stateDir && len(g.cgroups) == 0 && len(g.procs) == 0
}

func (g garbage) String() string {
	var p []string
	if g.stateDir {
		s := "state dir (no state.json)"
		if g.stateJSON {
			s = "state dir with state.json"
		}
		p = append(p, s)
	}
	if len(g.cgroups) > 0 {
		p = append(p, fmt.Sprintf("%d cgroup dirs", len(g.cgroups)))
	}
	if len(g.procs) > 0 {
		p = append(p, fmt.Sprintf("processes %v", g.procs))
	}
	if len(p) == 0 {
		return "nothing"
	}
	return strings.Join(p, ", ")
}

// observe lists what container id of bundle b left in root.
func observe(t *testing.T, root string, b *testutil.Bundle, id string) garbage {
	t.Helper()
	var g garbage
	dir := filepath.Join(root, id)
	if _, err := os.Stat(dir); err == nil {
		g.stateDir = true
		if _, err := os.Stat(filepath.Join(dir, "state.json")); err == nil {
			g.stateJSON = true
		}
	}
	pids := map[int]bool{}
	dirs, err := testutil.CgroupDirsFor(b.CgroupsPath)
	if err != nil {
		t.Fatalf("cgroup dirs: %v", err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			continue
		}
		g.cgroups = append(g.cgroups, d)
		procs, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		for _, f := range strings.Fields(string(procs)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids[pid] = true
			}
		}
	}
	for _, pid := range rootedIn(b.Rootfs) {
		pids[pid] = true
	}
	for pid := range pids {
		if testutil.PidAlive(pid) {
			g.procs = append(g.procs, pid)
		}
	}
	sort.Ints(g.procs)
	return g
}

// rootedIn finds processes whose root directory is dir (a container init
// after pivot_root), comparing device and inode through /proc/PID/root.
func rootedIn(dir string) []int {
	var want unix.Stat_t
	if unix.Stat(dir, &want) != nil {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name()+"/root", &st) == nil && st.Dev == want.Dev && st.Ino == want.Ino {
			out = append(out, pid)
		}
	}
	return out
}

// repair removes what a crashed create left, so one stage's garbage does
// not spill into the next: the processes are the container's (in its own
// cgroup or rooted in its own rootfs), started by this test's hull.
func repair(t *testing.T, root string, b *testutil.Bundle, id string) {
	for i := 0; i < 50; i++ {
		g := observe(t, root, b, id)
		for _, pid := range g.procs {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for _, d := range g.cgroups {
			_ = os.Remove(d)
		}
		if len(g.procs) == 0 && len(g.cgroups) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = os.RemoveAll(filepath.Join(root, id))
}

// noCrash asserts a CLI call did not die of a panic or a signal.
func noCrash(t *testing.T, r testutil.Result) {
	t.Helper()
	if r.Code >= 2 || strings.Contains(r.Stderr, "panic:") || strings.Contains(r.Stderr, "goroutine ") {
		t.Errorf("crashed: %s", r)
	}
}

// TestCrashDuringCreate SIGKILLs `hull create` after a sweep of delays, so
// that the kill lands before the state dir, after it, after the cgroup,
// during rootfs set-up, while the init waits and after state.json. After
// each, `hull list` and `hull state` must not crash and `hull delete -f`
// must leave nothing: no state dir, no cgroup, no process.
func TestCrashDuringCreate(t *testing.T) {
	bin := testutil.BuildHull(t)
	b := testutil.NewBundle(t, "sleep", "60")
	root := testutil.Root(t)
	delays := []time.Duration{0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100, 150, 250}
	var summary []string
	for i, d := range delays {
		d *= time.Millisecond
		id := fmt.Sprintf("%s-k%d", b.ID, i)
		t.Cleanup(func() { repair(t, root, b, id) })
		out, err := os.CreateTemp(testutil.TempDir(t, "crash-"), "out")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--root", root, "create", "--bundle", b.Dir, id)
		cmd.Stdout, cmd.Stderr = out, out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatalf("start hull create: %v", err)
		}
		time.Sleep(d)
		_ = cmd.Process.Kill()
		werr := cmd.Wait()
		out.Close()
		finished := werr == nil
		at := observe(t, root, b, id)

		noCrash(t, testutil.Hull(t, root, "list"))
		noCrash(t, testutil.Hull(t, root, "list", "--format", "json"))
		noCrash(t, testutil.Hull(t, root, "state", id))
		del := testutil.Hull(t, root, "delete", "--force", id)
		noCrash(t, del)
		left := observe(t, root, b, id)
		line := fmt.Sprintf("kill after %v (ran %v, finished=%v): at kill: %s; after delete -f: %s",
			d, time.Since(start).Round(time.Millisecond), finished, at, left)
		summary = append(summary, line)
		if !left.empty() {
			t.Errorf("LEFT BEHIND: %s (delete: %s)", line, del)
		}
		repair(t, root, b, id)
	}
	t.Logf("crash sweep:\n%s", strings.Join(summary, "\n"))
}

// TestListSurvivesPartialStateDirs: a crash or a full disk can leave any
// prefix of a state directory. list must still list the rest, state must
// answer with one line, and delete --force must remove it.
func TestListSurvivesPartialStateDirs(t *testing.T) {
	root := testutil.Root(t)
	good := testutil.NewBundle(t, "sleep", "60")
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", good.Dir, good.ID))
	// Its cgroups outlive the test's --root unless deleted.
	t.Cleanup(func() { testutil.Hull(t, root, "delete", "--force", good.ID) })
	partial := map[string]map[string]string{
		"p-empty":     {},
		"p-emptyjson": {"state.json": ""},
		"p-truncated": {"state.json": `{"id":"p-truncated","pid":12`},
		"p-null":      {"state.json": "null"},
		"p-wrongtype": {"state.json": `{"id":"p-wrongtype","pid":"x","cgroup":5}`},
		"p-nocfg":     {"state.json": `{"id":"p-nocfg","pid":999999999,"pid_start_time":1}`},
		"p-otherid":   {"state.json": `{"id":"p-other-than-dir","pid":0}`},
		"p-badcgroup": {"state.json": `{"id":"p-badcgroup","pid":0,"cgroup":{"paths":{"memory":"/../../../etc"}}}`},
		"p-tmponly":   {".state-123": `{"id":"p-tmponly"}`},
		"p-fifo":      {"exec.fifo": ""},
	}
	for id, files := range partial {
		dir := filepath.Join(root, id)
		if err := os.Mkdir(dir, 0o711); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "not-a-dir"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(filepath.Join(root, "not-a-dir")) })

	for _, args := range [][]string{{"list"}, {"list", "--format", "json"}, {"list", "-q"}} {
		r := testutil.Hull(t, root, args...)
		noCrash(t, r)
		if !r.OK() {
			t.Errorf("one broken state dir broke %s", r)
		} else if !strings.Contains(r.Stdout, good.ID) {
			t.Errorf("%v does not list the intact container %s: %s", args, good.ID, r)
		}
	}
	for id := range partial {
		r := testutil.Hull(t, root, "state", id)
		noCrash(t, r)
		if !r.OK() && strings.Count(strings.TrimRight(r.Stderr, "\n"), "\n") > 0 {
			t.Errorf("state %s: error is not one line: %s", id, r)
		}
		noCrash(t, testutil.Hull(t, root, "delete", "--force", id))
		if _, err := os.Stat(filepath.Join(root, id)); err == nil {
			t.Errorf("delete --force %s left its state dir", id)
			os.RemoveAll(filepath.Join(root, id))
		}
		// The state dir to remove must come from the id asked for, never
		// from the (corrupt) file: an empty id in state.json made delete
		// remove the whole --root, every other container's state with it.
		if _, err := os.Stat(filepath.Join(root, good.ID, "state.json")); err != nil {
			t.Fatalf("delete --force %s destroyed the state of another container %s: %v", id, good.ID, err)
		}
	}
	// /etc must not have been touched by a cgroup path from a bad state.
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Errorf("/etc/passwd: %v", err)
	}
}
