package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64p(v int64) *int64   { return &v }
func u64p(v uint64) *uint64 { return &v }
func boolp(v bool) *bool    { return &v }
func u16p(v uint16) *uint16 { return &v }

// newTestManager makes a manager for the relative path name/sub (so the
// memory cgroup stays under this test process's own cgroup) with cleanup.
func newTestManager(t *testing.T, rel string, name string) Manager {
	t.Helper()
	m, err := New(rel, "", false)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cleanupManager(t, m, name)
	return m
}

func TestApplyPlacesProcessAndRecordsCreated(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	st := m.State()
	if st.Mode != Hybrid && st.Mode != Legacy {
		t.Fatalf("mode %q", st.Mode)
	}
	for _, k := range []string{"memory", "cpu", "pids", "freezer", "devices"} {
		if !strings.HasSuffix(st.Paths[k], "/"+name+"/ctr") {
			t.Fatalf("path for %s = %q", k, st.Paths[k])
		}
	}
	// Relative paths hang below our own cgroup (memory:/process_api/... here).
	own := ownForTest(t)
	if want := filepath.Join("/sys/fs/cgroup/memory", own["memory"], name, "ctr"); st.Paths["memory"] != want {
		t.Fatalf("memory path %q, want %q", st.Paths["memory"], want)
	}

	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	st = m.State()
	// Every created dir is ours, parents before children, and both levels
	// of every distinct path were created.
	pos := map[string]int{}
	for i, c := range st.Created {
		if !strings.Contains(c, name) {
			t.Fatalf("created %q is not a test dir", c)
		}
		pos[c] = i
	}
	for _, p := range st.Paths {
		pi, ok1 := pos[p]
		qi, ok2 := pos[filepath.Dir(p)]
		if !ok1 || !ok2 || qi > pi {
			t.Fatalf("created %v lacks or misorders %s and its parent", st.Created, p)
		}
	}
	cg := readTrim(t, fmt.Sprintf("/proc/%d/cgroup", cmd.Process.Pid))
	for _, line := range strings.Split(cg, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if parts[1] == "" && st.Paths["unified"] == "" {
			continue
		}
		if !strings.HasSuffix(parts[2], "/"+name+"/ctr") {
			t.Errorf("process cgroup line %q not in the container cgroup", line)
		}
	}
	pids, err := m.Pids()
	if err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Fatalf("Pids = %v, %v; want %d in it", pids, err, cmd.Process.Pid)
	}

	// Destroy while the process lives must fail and keep the record.
	if err := m.Destroy(); err == nil {
		t.Fatal("Destroy with a live process succeeded")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for _, c := range st.Created {
		if _, err := os.Stat(c); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Destroy", c)
		}
	}
	if len(m.State().Created) != 0 {
		t.Errorf("Created after Destroy = %v", m.State().Created)
	}
}

func ownForTest(t *testing.T) map[string]string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	own, err := ownCgroups(f)
	if err != nil {
		t.Fatal(err)
	}
	return own
}

func TestDestroyKeepsPreexistingParent(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	parentMgr := newTestManager(t, name, name)
	// Pre-create the parent in every hierarchy ourselves.
	for _, p := range uniq(parentMgr.State().Paths) {
		if !isCgroupFS(filepath.Dir(p)) {
			t.Fatalf("parent of %s is not cgroupfs", p)
		}
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatalf("mkdir %s: %v", p, err)
		}
	}
	m := newTestManager(t, name+"/ctr", name)
	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	created := m.State().Created
	if want := uniq(m.State().Paths); len(created) != len(want) {
		t.Fatalf("Created = %v, want exactly the leaves %v", created, want)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	// Through a save/load round trip, as after a restart of hull.
	loaded, err := Load(m.State())
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for _, p := range parentMgr.State().Paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("pre-existing parent %s was removed: %v", p, err)
		}
		if _, err := os.Stat(filepath.Join(p, "ctr")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s/ctr not removed", p)
		}
	}
}

func TestDestroyKeepsCreatedParentWithOtherChildren(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	a := newTestManager(t, name+"/a", name)
	b := newTestManager(t, name+"/b", name)
	pa := startProc(t, "sleep", "100")
	pb := startProc(t, "sleep", "100")
	if err := a.Apply(pa.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(pb.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_ = pa.Process.Kill()
	_ = pa.Wait()
	if err := a.Destroy(); err != nil {
		t.Fatalf("Destroy a: %v", err)
	}
	mem := a.State().Paths["memory"]
	if _, err := os.Stat(filepath.Dir(mem)); err != nil {
		t.Fatalf("shared parent removed while b lives in it: %v", err)
	}
	if _, err := os.Stat(mem); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a's cgroup not removed")
	}
	if !slices.Contains(a.State().Created, filepath.Dir(mem)) {
		t.Errorf("kept parent dropped from Created: %v", a.State().Created)
	}
}

func uniq(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func TestSetV1ReadBack(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	c1, c3, c5 := int64(1), int64(3), int64(5)
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64p(64 << 20), Swap: i64p(128 << 20), Reservation: i64p(32 << 20),
			Swappiness: u64p(10), DisableOOMKiller: boolp(true)},
		CPU:  &specs.LinuxCPU{Shares: u64p(512), Quota: i64p(50000), Period: u64p(200000), Cpus: "0", Mems: "0"},
		Pids: &specs.LinuxPids{Limit: i64p(42)},
		Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: &c1, Minor: &c3, Access: "rwm"},
			{Allow: true, Type: "c", Major: &c1, Minor: &c5, Access: "rw"},
			{Allow: true, Type: "c", Major: &c5},
		},
	}
	if err := m.Set(r); err != nil {
		t.Fatalf("Set: %v", err)
	}
	p := m.State().Paths
	checks := map[string]string{
		filepath.Join(p["memory"], "memory.limit_in_bytes"):       strconv.Itoa(64 << 20),
		filepath.Join(p["memory"], "memory.memsw.limit_in_bytes"): strconv.Itoa(128 << 20),
		filepath.Join(p["memory"], "memory.soft_limit_in_bytes"):  strconv.Itoa(32 << 20),
		filepath.Join(p["memory"], "memory.swappiness"):           "10",
		filepath.Join(p["cpu"], "cpu.shares"):                     "512",
		filepath.Join(p["cpu"], "cpu.cfs_quota_us"):               "50000",
		filepath.Join(p["cpu"], "cpu.cfs_period_us"):              "200000",
		filepath.Join(p["cpuset"], "cpuset.cpus"):                 "0",
		filepath.Join(p["cpuset"], "cpuset.mems"):                 "0",
		filepath.Join(p["pids"], "pids.max"):                      "42",
		filepath.Join(p["devices"], "devices.list"):               "c 1:3 rwm\nc 1:5 rw\nc 5:* rwm",
	}
	for f, want := range checks {
		if got := readTrim(t, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	if oc := readTrim(t, filepath.Join(p["memory"], "memory.oom_control")); !strings.Contains(oc, "oom_kill_disable 1") {
		t.Errorf("memory.oom_control = %q", oc)
	}

	// Growing both limits needs memsw written before the limit.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(256 << 20), Swap: i64p(512 << 20)}}); err != nil {
		t.Fatalf("grow memory: %v", err)
	}
	if got := readTrim(t, filepath.Join(p["memory"], "memory.limit_in_bytes")); got != strconv.Itoa(256<<20) {
		t.Errorf("limit after grow = %s", got)
	}
	// Shrinking needs the limit first.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(32 << 20), Swap: i64p(48 << 20)}}); err != nil {
		t.Fatalf("shrink memory: %v", err)
	}
	if got := readTrim(t, filepath.Join(p["memory"], "memory.memsw.limit_in_bytes")); got != strconv.Itoa(48<<20) {
		t.Errorf("memsw after shrink = %s", got)
	}
	// Out-of-range shares are reported, not silently clamped.
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64p(1 << 30)}}); err == nil {
		t.Error("huge cpu shares accepted")
	}
	// A resource whose controller is not mounted must error, not be dropped.
	if _, ok := p["hugetlb"]; !ok {
		err := m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 21}}})
		if err == nil {
			t.Error("hugetlb limit accepted without a hugetlb cgroup")
		}
	}
}

func TestPidsLimitStopsForks(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	cmd := exec.Command("sh", "-c", `while read x; do if /bin/true; then echo ok; else echo fail; fi; done`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out := bufio.NewReader(outPipe)
	ask := func() (string, error) {
		t.Helper()
		if _, err := io.WriteString(in, "\n"); err != nil {
			return "", err
		}
		line, err := out.ReadString('\n')
		return strings.TrimSpace(line), err
	}
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// Control: with the limit lifted (0 means unlimited) forking works.
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(0)}}); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, filepath.Join(m.State().Paths["pids"], "pids.max")); got != "max" {
		t.Fatalf("pids.max for limit 0 = %q", got)
	}
	if got, err := ask(); got != "ok" || err != nil {
		t.Fatalf("fork with unlimited pids: %q, %v; want ok", got, err)
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(1)}}); err != nil {
		t.Fatal(err)
	}
	// dash gives up on a failed fork ("Cannot fork") and exits, so the
	// answer is either "fail" or the shell dying with that message.
	got, err := ask()
	if got == "fail" {
		return
	}
	if err == nil {
		t.Fatalf("fork with pids.max=1: %q, want failure", got)
	}
	_ = cmd.Wait()
	if !strings.Contains(stderr.String(), "fork") {
		t.Fatalf("shell ended (%v) without a fork failure; stderr %q", err, stderr.String())
	}
}

func TestFreezeThaw(t *testing.T) {
	requireV1Root(t)
	if !FreezerAvailable() {
		t.Skip("no v1 freezer")
	}
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	counter := filepath.Join(t.TempDir(), "count")
	cmd := startProc(t, "sh", "-c", `while :; do echo x >> "$0"; sleep 0.02; done`, counter)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(counter)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	if p, err := m.Paused(); err != nil || p {
		t.Fatalf("Paused before freeze = %v, %v", p, err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	if st := readTrim(t, filepath.Join(m.State().Paths["freezer"], "freezer.state")); st != "FROZEN" {
		t.Fatalf("freezer.state = %q", st)
	}
	if p, err := m.Paused(); err != nil || !p {
		t.Fatalf("Paused after freeze = %v, %v", p, err)
	}
	s1 := size()
	time.Sleep(300 * time.Millisecond)
	if s2 := size(); s2 != s1 {
		t.Fatalf("frozen process kept writing: %d -> %d", s1, s2)
	}
	if err := m.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	if p, err := m.Paused(); err != nil || p {
		t.Fatalf("Paused after thaw = %v, %v", p, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() == s1 {
		if time.Now().After(deadline) {
			t.Fatal("thawed process does not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewAbsolutePathUnderMountpoints(t *testing.T) {
	requireV1Root(t)
	m, err := New("/hull-test-abs/x/../ctr", "", false)
	if err != nil {
		t.Fatal(err)
	}
	st := m.State()
	if st.Paths["memory"] != "/sys/fs/cgroup/memory/hull-test-abs/ctr" {
		t.Fatalf("memory path %q", st.Paths["memory"])
	}
	if st.Paths["name=systemd"] != "/sys/fs/cgroup/systemd/hull-test-abs/ctr" {
		t.Fatalf("systemd path %q", st.Paths["name=systemd"])
	}
	if len(st.Created) != 0 {
		t.Fatalf("New created %v", st.Created)
	}
}

func TestRootlessSkipsUnusableHierarchy(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	real := newTestManager(t, name, name)
	mem := real.State().Paths["memory"]
	bogus := filepath.Join(t.TempDir(), "not-a-cgroup", "ctr")
	mk := func(rootless bool) *manager {
		return &manager{st: State{Mode: Hybrid, Paths: map[string]string{"memory": mem, "pids": bogus}}, rootless: rootless}
	}
	cmd := startProc(t, "sleep", "100")
	if err := mk(false).Apply(cmd.Process.Pid); err == nil {
		t.Fatal("non-rootless Apply ignored a missing hierarchy")
	}
	m := mk(true)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("rootless Apply: %v", err)
	}
	st := m.State()
	if _, ok := st.Paths["pids"]; ok {
		t.Fatalf("skipped hierarchy still in Paths: %v", st.Paths)
	}
	if _, err := os.Stat(filepath.Dir(bogus)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Apply created a directory outside cgroupfs")
	}
	procs := readTrim(t, filepath.Join(mem, "cgroup.procs"))
	if procs != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("memory cgroup.procs = %q", procs)
	}
	// Set errors only when the skipped controller is needed.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)}}); err != nil {
		t.Fatalf("Set memory: %v", err)
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(5)}}); err == nil {
		t.Fatal("Set pids without a pids cgroup succeeded")
	}
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}); err != nil {
		t.Fatalf("rootless Set devices without a devices cgroup: %v", err)
	}
}

func TestHybridUnifiedResources(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name+"/ctr", name)
	if m.State().Mode != Hybrid {
		t.Skip("not a hybrid host")
	}
	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(&specs.LinuxResources{Unified: map[string]string{"cgroup.max.descendants": "7"}}); err != nil {
		t.Fatalf("Set unified: %v", err)
	}
	if got := readTrim(t, filepath.Join(m.State().Paths["unified"], "cgroup.max.descendants")); got != "7" {
		t.Fatalf("cgroup.max.descendants = %q", got)
	}
	for _, k := range []string{"../cgroup.procs", "nodot", "memory.nonexistent"} {
		if err := m.Set(&specs.LinuxResources{Unified: map[string]string{k: "1"}}); err == nil {
			t.Errorf("unified key %q accepted", k)
		}
	}
}

// The v2 freezer (cgroup.freeze) is core cgroup2, so the unified hierarchy of
// a hybrid host lets us test it for real; it is the fallback when the v1
// freezer is missing.
func TestV2FreezerOnUnifiedHierarchy(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	full := newTestManager(t, name+"/ctr", name)
	dir := full.State().Paths["unified"]
	if dir == "" {
		t.Skip("no unified hierarchy")
	}
	m := &manager{st: State{Mode: Hybrid, Paths: map[string]string{"unified": dir}}}
	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	if ev := readTrim(t, filepath.Join(dir, "cgroup.events")); !strings.Contains(ev, "frozen 1") {
		t.Fatalf("cgroup.events = %q", ev)
	}
	if p, err := m.Paused(); !p || err != nil {
		t.Fatalf("Paused = %v, %v", p, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	if p, err := m.Paused(); p || err != nil {
		t.Fatalf("Paused after thaw = %v, %v", p, err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left behind", dir)
	}
}
