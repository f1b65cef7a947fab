package integration

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// v1Dir returns the bundle's cgroup directory in v1 hierarchy ctrl,
// skipping the test on hosts without it (pure v2: the VM harness covers it).
func v1Dir(t *testing.T, b *testutil.Bundle, ctrl string) string {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup/"+ctrl, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
		t.Skipf("no v1 %s hierarchy on this host", ctrl)
	}
	return filepath.Join("/sys/fs/cgroup", ctrl, b.CgroupsPath)
}

func readTrim(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return strings.TrimSpace(string(data))
}

// counterBundle runs a loop that bumps /count ten times a second, so a test
// can see whether the container makes progress.
func counterBundle(t *testing.T) *testutil.Bundle {
	return testutil.NewBundle(t, "sh", "-c", `i=0; while :; do i=$((i+1)); echo $i > /count.tmp; mv /count.tmp /count; sleep 0.1; done`)
}

func readCount(t *testing.T, b *testutil.Bundle) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(string(waitFile(t, filepath.Join(b.Rootfs, "count"), 10*time.Second))))
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// TestPauseResume: pause freezes the processes and `state` says paused;
// resume lets them run on. Wrong-state calls fail with one line.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	b := counterBundle(t)
	root := testutil.Root(t)
	startDetached(t, root, b)
	readCount(t, b)
	expectError(t, testutil.Hull(t, root, "resume", b.ID), b.ID, "not paused")

	testutil.MustOK(t, testutil.Hull(t, root, "pause", b.ID))
	if s := testutil.State(t, root, b.ID); s.Status != "paused" {
		t.Fatalf("status after pause = %q", s.Status)
	}
	before := readCount(t, b)
	time.Sleep(500 * time.Millisecond)
	if after := readCount(t, b); after != before {
		t.Fatalf("paused container made progress: %d -> %d", before, after)
	}
	expectError(t, testutil.Hull(t, root, "pause", b.ID), b.ID, "already paused")

	testutil.MustOK(t, testutil.Hull(t, root, "resume", b.ID))
	if s := testutil.State(t, root, b.ID); s.Status != "running" {
		t.Fatalf("status after resume = %q", s.Status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for readCount(t, b) == before {
		if time.Now().After(deadline) {
			t.Fatal("resumed container makes no progress")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPauseStoppedFails: pausing a container that is not running fails.
func TestPauseStoppedFails(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "true")
	root := testutil.Root(t)
	startDetached0(t, root, b)
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	expectError(t, testutil.Hull(t, root, "pause", b.ID), b.ID, "stopped")
	expectError(t, testutil.Hull(t, root, "pause", "no-such-ctr"), "no-such-ctr")
}

// startDetached0 is create + start without waiting for "running" (the
// process may already have exited).
func startDetached0(t *testing.T, root string, b *testutil.Bundle) {
	t.Helper()
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
}

// TestKillPausedContainer: SIGKILL to a paused container takes effect (the
// freezer is thawed so the signal is delivered) instead of leaving it frozen.
func TestKillPausedContainer(t *testing.T) {
	t.Parallel()
	b := counterBundle(t)
	root := testutil.Root(t)
	s := startDetached(t, root, b)
	testutil.MustOK(t, testutil.Hull(t, root, "pause", b.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "kill", b.ID, "KILL"))
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	if !testutil.WaitPidGone(s.Pid, 5*time.Second) {
		t.Errorf("pid %d alive after kill of a paused container", s.Pid)
	}
}

// TestDeleteForcePaused: delete -f of a paused container thaws, kills and
// removes it (the harness then checks no cgroup is left).
func TestDeleteForcePaused(t *testing.T) {
	t.Parallel()
	b := counterBundle(t)
	root := testutil.Root(t)
	s := startDetached(t, root, b)
	testutil.MustOK(t, testutil.Hull(t, root, "pause", b.ID))
	r := testutil.HullWith(t, root, testutil.Opts{Timeout: 20 * time.Second}, "delete", "-f", b.ID)
	testutil.MustOK(t, r)
	if !testutil.WaitPidGone(s.Pid, 5*time.Second) {
		t.Errorf("pid %d alive after delete -f", s.Pid)
	}
	for _, d := range b.CgroupDirs() {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("cgroup %s left after delete -f", d)
		}
	}
}

// statsEvent runs `events --stats` and decodes its single line.
func statsEvent(t *testing.T, root, id string) map[string]any {
	t.Helper()
	r := testutil.MustOK(t, testutil.Hull(t, root, "events", "--stats", id))
	if n := len(lines(r.Stdout)); n != 1 {
		t.Fatalf("events --stats printed %d lines: %q", n, r.Stdout)
	}
	var ev struct {
		Type string         `json:"type"`
		ID   string         `json:"id"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &ev); err != nil {
		t.Fatalf("events --stats: %v: %q", err, r.Stdout)
	}
	if ev.Type != "stats" || ev.ID != id {
		t.Fatalf("event = %+v", ev)
	}
	for _, k := range []string{"cpu", "memory", "pids", "blkio", "hugetlb"} {
		if _, ok := ev.Data[k]; !ok {
			t.Errorf("stats data lacks %q: %q", k, r.Stdout)
		}
	}
	return ev.Data
}

func num(t *testing.T, m map[string]any, path ...string) float64 {
	t.Helper()
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%v: not an object at %q", path, p)
		}
		cur = mm[p]
	}
	f, _ := cur.(float64)
	return f
}

// TestUpdate: update writes the v1 files, keeps the values in the state
// (later `events --stats` and a later update see them), and bad values fail
// naming the flag.
func TestUpdate(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	memDir, pidsDir := v1Dir(t, b, "memory"), v1Dir(t, b, "pids")
	cpuDir := v1Dir(t, b, "cpu")
	root := testutil.Root(t)
	startDetached(t, root, b)

	testutil.MustOK(t, testutil.Hull(t, root, "update", "--memory", "100m", "--pids-limit", "50", b.ID))
	if got := readTrim(t, filepath.Join(memDir, "memory.limit_in_bytes")); got != strconv.Itoa(100<<20) {
		t.Errorf("memory.limit_in_bytes = %s", got)
	}
	if got := readTrim(t, filepath.Join(pidsDir, "pids.max")); got != "50" {
		t.Errorf("pids.max = %s", got)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "update", "--cpu-quota", "20000", "--cpu-period", "100000", "--cpu-share", "256", b.ID))
	if got := readTrim(t, filepath.Join(cpuDir, "cpu.cfs_quota_us")); got != "20000" {
		t.Errorf("cpu.cfs_quota_us = %s", got)
	}
	if got := readTrim(t, filepath.Join(cpuDir, "cpu.shares")); got != "256" {
		t.Errorf("cpu.shares = %s", got)
	}
	data := statsEvent(t, root, b.ID)
	if got := num(t, data, "memory", "usage", "limit"); got != 100<<20 {
		t.Errorf("stats memory limit = %v", got)
	}
	if got := num(t, data, "pids", "limit"); got != 50 {
		t.Errorf("stats pids limit = %v", got)
	}
	if got := num(t, data, "pids", "current"); got < 1 {
		t.Errorf("stats pids current = %v", got)
	}

	// -r - with a JSON document on stdin.
	r := testutil.HullWith(t, root, testutil.Opts{Stdin: strings.NewReader(`{"memory":{"limit":67108864},"pids":{"limit":40}}`)},
		"update", "-r", "-", b.ID)
	testutil.MustOK(t, r)
	if got := readTrim(t, filepath.Join(memDir, "memory.limit_in_bytes")); got != "67108864" {
		t.Errorf("memory.limit_in_bytes after -r = %s", got)
	}
	if got := readTrim(t, filepath.Join(pidsDir, "pids.max")); got != "40" {
		t.Errorf("pids.max after -r = %s", got)
	}
	// The stored config holds the merged resources.
	st := readTrim(t, filepath.Join(root, b.ID, "state.json"))
	var saved struct {
		Config specs.Spec `json:"config"`
	}
	if err := json.Unmarshal([]byte(st), &saved); err == nil && saved.Config.Linux != nil && saved.Config.Linux.Resources != nil {
		res := saved.Config.Linux.Resources
		if res.Memory == nil || res.Memory.Limit == nil || *res.Memory.Limit != 67108864 ||
			res.CPU == nil || res.CPU.Quota == nil || *res.CPU.Quota != 20000 || res.Pids == nil || *res.Pids.Limit != 40 {
			t.Errorf("stored resources = %+v", res)
		}
	} else {
		t.Errorf("state.json has no resources: %v", err)
	}

	expectError(t, testutil.Hull(t, root, "update", "--memory", "lots", b.ID), "--memory")
	expectError(t, testutil.Hull(t, root, "update", "--pids-limit", "x", b.ID), "--pids-limit")
	expectError(t, testutil.Hull(t, root, "update", "--blkio-weight", "5", b.ID), "--blkio-weight")
	expectError(t, testutil.Hull(t, root, "update", b.ID), "update")
	// A value the kernel refuses: the error names the flag that was given.
	expectError(t, testutil.Hull(t, root, "update", "--cpu-period", "1", b.ID), "--cpu-period")
}

// TestMemoryLimitOOMEvent: a hog over the memory limit is OOM-killed and
// `events` reports {"type":"oom"}; the stream ends when the container does.
func TestMemoryLimitOOMEvent(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "sleep 1; tail /dev/zero; echo survived-oom > /oom-done; sleep 1")
	memDir := v1Dir(t, b, "memory")
	b.Edit(func(s *specs.Spec) {
		limit := int64(32 << 20)
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		// swap == limit: no swap, so the hog meets the OOM killer.
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
	})
	root := testutil.Root(t)
	startDetached(t, root, b)
	if got := readTrim(t, filepath.Join(memDir, "memory.limit_in_bytes")); got != strconv.Itoa(32<<20) {
		t.Errorf("memory.limit_in_bytes = %s", got)
	}
	r := testutil.HullWith(t, root, testutil.Opts{Timeout: 30 * time.Second}, "events", "--interval", "1h", b.ID)
	testutil.MustOK(t, r)
	var types []string
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	for sc.Scan() {
		var ev struct{ Type, ID string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("bad event line %q: %v", sc.Text(), err)
		}
		if ev.ID != b.ID {
			t.Errorf("event id %q", ev.ID)
		}
		types = append(types, ev.Type)
	}
	if len(types) != 1 || types[0] != "oom" {
		t.Fatalf("events = %v, want one oom: %s", types, r)
	}
	waitFile(t, filepath.Join(b.Rootfs, "oom-done"), 5*time.Second)
}

// TestEventsIntervalStream: the stream prints stats every interval.
func TestEventsIntervalStream(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "1.5")
	root := testutil.Root(t)
	startDetached(t, root, b)
	r := testutil.HullWith(t, root, testutil.Opts{Timeout: 20 * time.Second}, "events", "--interval", "200ms", b.ID)
	testutil.MustOK(t, r)
	n := 0
	for _, l := range lines(r.Stdout) {
		if strings.HasPrefix(l, `{"type":"stats","id":"`+b.ID+`","data":{`) {
			n++
		}
	}
	if n < 3 {
		t.Errorf("%d stats events in ~1.5s at 200ms: %q", n, r.Stdout)
	}
	expectError(t, testutil.Hull(t, root, "events", "--stats", b.ID), "not running")
	expectError(t, testutil.Hull(t, root, "events", "--interval", "-1s", b.ID), "interval")
}

// TestPidsLimitStopsForkBomb: with pids.max 10 the 30 background sleeps
// cannot all be forked; with 100 they can.
func TestPidsLimitStopsForkBomb(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		limit int64
		fails bool
	}{{10, true}, {100, false}} {
		t.Run(strconv.FormatInt(tc.limit, 10), func(t *testing.T) {
			t.Parallel()
			r, b, _ := runScript(t, "for i in $(seq 30); do sleep 100 & done; echo spawned-all", func(s *specs.Spec) {
				if s.Linux.Resources == nil {
					s.Linux.Resources = &specs.LinuxResources{}
				}
				s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &tc.limit}
			})
			v1Dir(t, b, "pids")
			spawned := strings.Contains(r.Stdout, "spawned-all")
			if tc.fails && (spawned || !strings.Contains(r.Stdout+r.Stderr, "fork")) {
				t.Errorf("limit %d: fork bomb not stopped: %s", tc.limit, r)
			}
			if !tc.fails && !spawned {
				t.Errorf("limit %d: forks failed: %s", tc.limit, r)
			}
		})
	}
}

// TestDevicesDeny: a device node outside the allowed list cannot be opened
// (EPERM from the device cgroup); allowing it makes the open reach the
// (absent) driver instead (ENXIO). Major 240 is reserved for local use, so
// no driver answers on this host. /dev/null itself is in runc's default
// allow list, which runc and hull append after the config's rules, so a
// config cannot deny it; an unlisted device proves the same mechanism.
func TestDevicesDeny(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		allow bool
		want  string
	}{{"denied", false, "Operation not permitted"}, {"allowed", true, "No such device or address"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sh", "-c", "( : </devtest/node ) 2>&1; ( : </dev/null ) && echo null-ok")
			if err := os.Mkdir(filepath.Join(b.Rootfs, "devtest"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := unix.Mknod(filepath.Join(b.Rootfs, "devtest", "node"), unix.S_IFCHR|0o666, int(unix.Mkdev(240, 0))); err != nil {
				t.Fatalf("mknod in the test rootfs: %v", err)
			}
			v1Dir(t, b, "devices")
			b.Edit(func(s *specs.Spec) {
				if s.Linux.Resources == nil {
					s.Linux.Resources = &specs.LinuxResources{}
				}
				rules := []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}
				if tc.allow {
					rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr(int64(240)), Minor: ptr(int64(0)), Access: "rw"})
				}
				s.Linux.Resources.Devices = rules
			})
			root := testutil.Root(t)
			r := testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID)
			if !strings.Contains(r.Stdout, tc.want) || !strings.Contains(r.Stdout, "null-ok") {
				t.Errorf("want %q and null-ok: %s", tc.want, r)
			}
		})
	}
}

// nestedNS runs script with sh in a new private mount namespace (so the
// tmpfs or read-only remounts it makes are seen by nobody else) with $H the
// hull binary, $R the root, $B the bundle and $ID the container id.
func nestedNS(t *testing.T, root string, b *testutil.Bundle, script string) string {
	t.Helper()
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "H="+testutil.BuildHull(t), "R="+root, "B="+b.Dir, "ID="+b.ID)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script in a private mount namespace: %v\n%s", err, out)
	}
	return string(out)
}

// TestFreezerHidden: with the freezer hidden (tmpfs over it, as on a host
// booted with cgroup_no_v1=freezer) a running container is reported
// running, and pause fails with a clear line. Where a cgroup2 hierarchy is
// visible hull uses its core cgroup.freeze instead, so that one is hidden
// too for the failure case.
func TestFreezerHidden(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	v1Dir(t, b, "freezer")
	root := testutil.Root(t)
	out := nestedNS(t, root, b, `
mount -t tmpfs tmpfs /sys/fs/cgroup/freezer || exit 1
if [ -d /sys/fs/cgroup/unified ]; then mount -t tmpfs tmpfs /sys/fs/cgroup/unified || exit 1; fi
"$H" --root "$R" create --bundle "$B" "$ID" || exit 1
"$H" --root "$R" start "$ID" || exit 1
"$H" --root "$R" state "$ID" | grep '"status"'
"$H" --root "$R" pause "$ID" 2>&1; echo "pause-rc=$?"
"$H" --root "$R" state "$ID" | grep '"status"'
"$H" --root "$R" delete -f "$ID"; echo "delete-rc=$?"
`)
	if strings.Count(out, `"status": "running"`) != 2 {
		t.Errorf("want running before and after the failed pause:\n%s", out)
	}
	if !strings.Contains(out, "pause-rc=1") || !strings.Contains(out, "cannot pause container \""+b.ID+"\"") || !strings.Contains(out, "freezer") {
		t.Errorf("pause did not fail clearly:\n%s", out)
	}
	if !strings.Contains(out, "delete-rc=0") {
		t.Errorf("delete failed:\n%s", out)
	}
}

// TestFreezerHiddenV2Fallback: with only the v1 freezer hidden on a hybrid
// host, pause works through the unified hierarchy's cgroup.freeze.
func TestFreezerHiddenV2Fallback(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	v1Dir(t, b, "freezer")
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup/unified", &st) != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		t.Skip("not a hybrid host")
	}
	root := testutil.Root(t)
	out := nestedNS(t, root, b, `
mount -t tmpfs tmpfs /sys/fs/cgroup/freezer || exit 1
"$H" --root "$R" create --bundle "$B" "$ID" && "$H" --root "$R" start "$ID" || exit 1
"$H" --root "$R" pause "$ID" && "$H" --root "$R" state "$ID" | grep '"status"'
"$H" --root "$R" resume "$ID" && "$H" --root "$R" state "$ID" | grep '"status"'
"$H" --root "$R" delete -f "$ID"
`)
	if !strings.Contains(out, `"status": "paused"`) || !strings.Contains(out, `"status": "running"`) {
		t.Errorf("pause/resume through cgroup v2:\n%s", out)
	}
}

// TestReadOnlyCgroupfs: with every cgroup hierarchy read-only, a container
// that asks for no resources runs without cgroups; one with a memory limit
// fails with a line saying why.
func TestReadOnlyCgroupfs(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	v1Dir(t, b, "memory")
	root := testutil.Root(t)
	script := `
for m in /sys/fs/cgroup/*/; do mount -o remount,bind,ro "$m" || exit 1; done
"$H" --root "$R" create --bundle "$B" "$ID" && "$H" --root "$R" start "$ID" || exit 1
"$H" --root "$R" state "$ID" | grep '"status"'
"$H" --root "$R" delete -f "$ID"; echo "delete-rc=$?"
`
	out := nestedNS(t, root, b, script)
	if !strings.Contains(out, `"status": "running"`) || !strings.Contains(out, "delete-rc=0") {
		t.Errorf("container without resources on a read-only cgroupfs:\n%s", out)
	}

	b2 := testutil.NewBundle(t, "sleep", "100")
	b2.Edit(func(s *specs.Spec) {
		limit := int64(64 << 20)
		s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
	})
	out = nestedNS(t, root, b2, `
for m in /sys/fs/cgroup/*/; do mount -o remount,bind,ro "$m" || exit 1; done
"$H" --root "$R" create --bundle "$B" "$ID" 2>&1; echo "create-rc=$?"
`)
	if !strings.Contains(out, "create-rc=1") || !strings.Contains(out, "memory") || !strings.Contains(out, "not writable") {
		t.Errorf("memory limit on a read-only cgroupfs must fail clearly:\n%s", out)
	}
	if n := len(lines(strings.Split(out, "create-rc")[0])); n != 1 {
		t.Errorf("want one error line, got %d:\n%s", n, out)
	}
}

// TestCgroupV1View: on a v1 or hybrid host the container's /sys/fs/cgroup
// has one directory per host v1 hierarchy (cgroup2 is not shown), and each
// is the container's own cgroup: its cgroup.procs lists the init as pid 1.
// Without a cgroup namespace the set-up takes the host's cgroup mounts from
// the cgroup manager instead of a second mountinfo read
// (rootfs.Config.CgroupMounts) and binds the container's cgroups; in one,
// each hierarchy is mounted afresh from a set-up thread that joined the
// namespace the init made once placed (process/thread.go).
func TestCgroupV1View(t *testing.T) {
	t.Parallel()
	for _, cgroupNS := range []bool{false, true} {
		t.Run("cgroupns="+strconv.FormatBool(cgroupNS), func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sh", "-c", `cd /sys/fs/cgroup && for d in *; do echo "$d: $(tr '\n' ' ' < "$d/cgroup.procs")"; done`)
			v1Dir(t, b, "memory")
			if cgroupNS {
				b.Edit(func(s *specs.Spec) { setNamespace(s, specs.CgroupNamespace, "") })
			}
			ents, err := os.ReadDir("/sys/fs/cgroup")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, e := range ents {
				var st unix.Statfs_t
				if unix.Statfs(filepath.Join("/sys/fs/cgroup", e.Name()), &st) == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
					want = append(want, e.Name())
				}
			}
			r := testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID))
			var got []string
			for _, l := range lines(r.Stdout) {
				name, procs, ok := strings.Cut(l, ": ")
				if !ok {
					t.Fatalf("unexpected line %q in:\n%s", l, r.Stdout)
				}
				got = append(got, name)
				if !slices.Contains(strings.Fields(procs), "1") {
					t.Errorf("%s/cgroup.procs in the container lists %q, want the init (pid 1): not the container's own cgroup", name, procs)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("container's /sys/fs/cgroup has %v, want the host's v1 hierarchies %v", got, want)
			}
		})
	}
}

// TestCpusetFilledQuietly: a v1 cpuset hull makes gets its parent's CPUs and
// memory nodes with cpuset.sched_load_balance cleared (which spares the
// kernel two rebuilds of the scheduling domains), only while the top cpuset
// balances, where a child's flag changes nothing; the container runs on
// those CPUs, and `update --cpuset-cpus` still moves it.
func TestCpusetFilledQuietly(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	dir := v1Dir(t, b, "cpuset")
	if readTrim(t, "/sys/fs/cgroup/cpuset/cpuset.sched_load_balance") != "1" {
		t.Skip("the top cpuset does not balance: hull leaves the flag alone")
	}
	root := testutil.Root(t)
	st := startDetached(t, root, b)
	parent := filepath.Dir(dir)
	if got := readTrim(t, filepath.Join(dir, "cpuset.sched_load_balance")); got != "0" {
		t.Errorf("cpuset.sched_load_balance = %s, want 0", got)
	}
	cpus := readTrim(t, filepath.Join(parent, "cpuset.cpus"))
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		if got, want := readTrim(t, filepath.Join(dir, f)), readTrim(t, filepath.Join(parent, f)); got != want {
			t.Errorf("%s = %q, want the parent's %q", f, got, want)
		}
	}
	allowed := func() string {
		for _, l := range strings.Split(readTrim(t, "/proc/"+strconv.Itoa(st.Pid)+"/status"), "\n") {
			if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	if got := allowed(); got != cpus {
		t.Errorf("container's Cpus_allowed_list = %q, want %q", got, cpus)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "update", "--cpuset-cpus", "0", b.ID))
	if got := allowed(); got != "0" {
		t.Errorf("after update --cpuset-cpus 0: Cpus_allowed_list = %q", got)
	}
}

// TestCgroupV1MountFlags: each v1 hierarchy in the container's
// /sys/fs/cgroup carries exactly the mount's options as its per-mount flags
// (a remount replaces them all: "ro" alone clears nosuid, nodev and noexec,
// as with runc), whichever way hull mounted it (open_tree and mount_setattr,
// or a bind and a remount).
func TestCgroupV1MountFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		options []string
		want    string
	}{
		{[]string{"nosuid", "noexec", "nodev", "relatime", "ro"}, "ro,nosuid,nodev,noexec,relatime"},
		{[]string{"ro"}, "ro,relatime"},
		{[]string{"ro", "nosuid", "noatime"}, "ro,nosuid,noatime"},
	} {
		t.Run(strings.Join(tc.options, ","), func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sh", "-c", `grep " /sys/fs/cgroup/" /proc/self/mountinfo | cut -d" " -f5,6`)
			v1Dir(t, b, "memory")
			b.Edit(func(s *specs.Spec) {
				for i := range s.Mounts {
					if s.Mounts[i].Destination == "/sys/fs/cgroup" {
						s.Mounts[i].Options = tc.options
					}
				}
			})
			r := testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID))
			got := lines(r.Stdout)
			if len(got) == 0 {
				t.Fatalf("no cgroup hierarchy mounted in the container:\n%s", r.Stdout)
			}
			for _, l := range got {
				if _, opts, _ := strings.Cut(l, " "); opts != tc.want {
					t.Errorf("%s, want per-mount flags %s", l, tc.want)
				}
			}
		})
	}
}
