package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// procRef names one process by pid and start time, so a recycled pid is
// never mistaken for a leaked container process.
type procRef struct {
	pid   int
	start string
	id    string
}

// rootTrack is what the harness knows about one (binary, --root) pair.
type rootTrack struct {
	bin, root string
	owned     bool // made by Root for this test: everything in it is ours
	ids       map[string]bool
	procs     map[int]procRef
	cgroups   map[string]string // dir -> container id
}

// testState collects everything one test created, for its cleanup.
type testState struct {
	mu      sync.Mutex
	roots   []*rootTrack
	bundles []*Bundle
	dirs    []string
	extra   []procRef
}

var (
	statesMu sync.Mutex
	states   = map[testing.TB]*testState{}
)

// stateFor returns the test's state, registering its cleanup on first use.
func stateFor(t testing.TB) *testState {
	statesMu.Lock()
	defer statesMu.Unlock()
	if st, ok := states[t]; ok {
		return st
	}
	st := &testState{}
	states[t] = st
	t.Cleanup(func() {
		st.finish(t)
		statesMu.Lock()
		delete(states, t)
		statesMu.Unlock()
	})
	return st
}

// rootFor must be called with st.mu held.
func (st *testState) rootFor(bin, root string) *rootTrack {
	for _, r := range st.roots {
		if r.bin == bin && r.root == root {
			return r
		}
	}
	r := &rootTrack{bin: bin, root: root, ids: map[string]bool{}, procs: map[int]procRef{}, cgroups: map[string]string{}}
	st.roots = append(st.roots, r)
	return r
}

// cliCall is the part of a command line the harness cares about.
type cliCall struct {
	sub    string
	id     string
	detach bool
}

// Flags that take a separate value, without their dashes. Both --flag and
// -flag spellings are accepted by the CLI, and --flag=value needs no value.
var (
	globalValueFlags = map[string]bool{"root": true, "log": true, "log-format": true, "rootless": true, "cgroup-manager": true, "criu": true}
	subValueFlags    = map[string]bool{"b": true, "bundle": true, "pid-file": true, "console-socket": true, "preserve-fds": true, "pidfd-socket": true, "f": true, "format": true}
)

func parseCLI(args []string) cliCall {
	var c cliCall
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			c.sub = a
			i++
			break
		}
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && globalValueFlags[name] {
			i++
		}
	}
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) && c.id == "" {
				c.id = args[i+1]
			}
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			name := strings.TrimLeft(a, "-")
			if name == "d" || name == "detach" {
				c.detach = true
			}
			if !strings.Contains(name, "=") && subValueFlags[name] {
				i++
			}
			continue
		}
		if c.id == "" {
			c.id = a
		}
	}
	return c
}

func track(t testing.TB, bin, root, _ string, args []string) {
	c := parseCLI(args)
	st := stateFor(t)
	st.mu.Lock()
	defer st.mu.Unlock()
	rt := st.rootFor(bin, root)
	if (c.sub == "create" || c.sub == "run") && c.id != "" {
		rt.ids[c.id] = true
	}
}

func afterCall(t testing.TB, bin, root string, args []string, res Result) {
	c := parseCLI(args)
	if !res.OK() || c.id == "" {
		return
	}
	switch {
	case c.sub == "create", c.sub == "run" && c.detach:
		if s, err := rawState(bin, root, c.id); err == nil {
			recordProc(t, bin, root, c.id, s.Pid)
		}
	case c.sub == "state":
		var s StateJSON
		if json.Unmarshal([]byte(res.Stdout), &s) == nil {
			recordProc(t, bin, root, c.id, s.Pid)
		}
	}
}

// recordProc remembers a container process and its cgroups while it is alive.
func recordProc(t testing.TB, bin, root, id string, pid int) {
	if pid <= 0 {
		return
	}
	start, ok := procStart(pid)
	if !ok {
		return
	}
	cgs := cgroupDirsOfPid(pid)
	st := stateFor(t)
	st.mu.Lock()
	defer st.mu.Unlock()
	rt := st.rootFor(bin, root)
	rt.procs[pid] = procRef{pid: pid, start: start, id: id}
	for _, d := range cgs {
		rt.cgroups[d] = id
	}
}

// TrackProcess registers a helper process the test started (e.g. a netns
// holder) to be SIGKILLed at cleanup if it is still alive.
func TrackProcess(t testing.TB, pid int) {
	start, ok := procStart(pid)
	if !ok {
		return
	}
	st := stateFor(t)
	st.mu.Lock()
	st.extra = append(st.extra, procRef{pid: pid, start: start})
	st.mu.Unlock()
}

// rawState runs `state` without a test, for cleanup bookkeeping.
func rawState(bin, root, id string) (StateJSON, error) {
	var s StateJSON
	out, err := rawRun(bin, root, 15*time.Second, "state", id)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(out, &s); err != nil {
		return s, fmt.Errorf("parse state of %s: %w", id, err)
	}
	return s, nil
}

func rawRun(bin, root string, timeout time.Duration, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, append([]string{"--root", root}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	// Files, not pipes: see Exec.
	f, err := os.CreateTemp("", "hull-raw-")
	if err != nil {
		return nil, fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("timed out")
		<-done
	}
	out, _ := os.ReadFile(f.Name())
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, out)
	}
	return out, nil
}

// finish force-deletes every container the test created, then reports
// anything left behind, then repairs what it can so one failure does not
// cascade into the next test or onto the host.
func (st *testState) finish(t testing.TB) {
	st.mu.Lock()
	roots := append([]*rootTrack(nil), st.roots...)
	bundles := append([]*Bundle(nil), st.bundles...)
	dirs := append([]string(nil), st.dirs...)
	extra := append([]procRef(nil), st.extra...)
	st.mu.Unlock()

	for _, rt := range roots {
		ids := rt.ids
		if rt.owned {
			for _, d := range subdirs(rt.root) {
				ids[d] = true
			}
		}
		for id := range ids {
			if s, err := rawState(rt.bin, rt.root, id); err == nil {
				recordProc(t, rt.bin, rt.root, id, s.Pid)
				// Paused containers cannot be killed on cgroup v1.
				if s.Status == "paused" {
					_, _ = rawRun(rt.bin, rt.root, 15*time.Second, "resume", id)
				}
			}
			_, _ = rawRun(rt.bin, rt.root, 30*time.Second, "delete", "--force", id)
		}
	}

	var problems []string
	for _, rt := range roots {
		problems = append(problems, rt.leftovers(5*time.Second)...)
	}
	for _, b := range bundles {
		problems = append(problems, b.leftovers(3*time.Second)...)
	}
	for _, p := range problems {
		t.Errorf("LEFT BEHIND after delete --force: %s", p)
	}
	checkHostDevNull(t)

	// Repair: kill what we started, detach mounts, drop empty cgroups.
	for _, rt := range roots {
		for _, p := range rt.procs {
			killIfSame(p)
		}
		for d := range rt.cgroups {
			_ = os.Remove(d)
		}
	}
	for _, p := range extra {
		killIfSame(p)
	}
	for _, b := range bundles {
		b.repair()
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := removeAllSafe(dirs[i]); err != nil {
			t.Errorf("remove %s: %v", dirs[i], err)
		}
	}
}

func subdirs(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		// "@..." entries are hull's own infrastructure under --root (the
		// sealed binary's empty overlay layer), never a container.
		if e.IsDir() && !strings.HasPrefix(e.Name(), "@") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// leftovers reports state dirs, live processes and cgroup dirs, polling up
// to wait for asynchronous teardown to finish.
func (rt *rootTrack) leftovers(wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		var p []string
		for _, d := range subdirs(rt.root) {
			// A root borrowed from a parent test may hold the parent's
			// containers; only ours count.
			if rt.owned || rt.ids[d] {
				p = append(p, fmt.Sprintf("state directory %s/%s", rt.root, d))
			}
		}
		for _, pr := range rt.procs {
			if procAlive(pr) {
				p = append(p, fmt.Sprintf("process %d of container %s still running", pr.pid, pr.id))
			}
		}
		for d, id := range rt.cgroups {
			if _, err := os.Stat(d); err == nil {
				p = append(p, fmt.Sprintf("cgroup %s of container %s", d, id))
			}
		}
		if len(p) == 0 || time.Now().After(deadline) {
			sort.Strings(p)
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AssertNothingLeft checks, right now (allowing a second for asynchronous
// teardown), that root holds no container state, the containers' processes
// are gone, and bundle b (may be nil) has no cgroup and no mount left. Use it
// after a command that must fail without side effects.
func AssertNothingLeft(t testing.TB, root string, b *Bundle) {
	t.Helper()
	st := stateFor(t)
	st.mu.Lock()
	var rts []*rootTrack
	for _, rt := range st.roots {
		if rt.root == root {
			rts = append(rts, rt)
		}
	}
	st.mu.Unlock()
	var p []string
	if len(rts) == 0 {
		rts = []*rootTrack{{root: root, owned: true}}
	}
	for _, rt := range rts {
		p = append(p, rt.leftovers(time.Second)...)
	}
	if b != nil {
		p = append(p, b.leftovers(time.Second)...)
	}
	for _, s := range p {
		t.Errorf("left behind: %s", s)
	}
}
