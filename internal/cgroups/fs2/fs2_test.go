package fs2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func fakeCgroup(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, dir, f string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, f))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func i64p(v int64) *int64   { return &v }
func u64p(v uint64) *uint64 { return &v }

func TestConversions(t *testing.T) {
	for shares, want := range map[uint64]uint64{0: 0, 2: 1, 1024: 39, 262144: 10000, 1 << 40: 10000, 1: 1} {
		if got := CPUSharesToWeight(shares); got != want {
			t.Errorf("CPUSharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	for w, want := range map[uint16]uint64{0: 0, 10: 1, 1000: 10000, 500: 4950} {
		if got := BlkioWeightToIOWeight(w); got != want {
			t.Errorf("BlkioWeightToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
	swaps := []struct {
		swap, limit int64
		want        string
		ok, err     bool
	}{
		{0, 100, "", false, false},
		{-1, 100, "max", true, false},
		{300, 100, "200", true, false},
		{100, 100, "0", true, false},
		{50, 100, "", false, true},
		{300, 0, "", false, true},
		{300, -1, "", false, true},
		{-2, 100, "", false, true},
	}
	for _, c := range swaps {
		v, ok, err := SwapMax(c.swap, c.limit)
		if v != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("SwapMax(%d, %d) = %q, %v, %v", c.swap, c.limit, v, ok, err)
		}
	}
	cpus := []struct {
		q    int64
		p    uint64
		want string
		ok   bool
	}{
		{0, 0, "", false}, {50000, 100000, "50000 100000", true}, {-1, 0, "max", true}, {0, 20000, "max 20000", true}, {1000, 0, "1000", true},
	}
	for _, c := range cpus {
		v, ok := CPUMax(c.q, c.p)
		if v != c.want || ok != c.ok {
			t.Errorf("CPUMax(%d, %d) = %q, %v", c.q, c.p, v, ok)
		}
	}
}

func TestSetMapping(t *testing.T) {
	dir := fakeCgroup(t, "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max",
		"pids.max", "io.weight", "io.max", "cpuset.cpus", "cpuset.mems", "memory.high", "hugetlb.2MB.max")
	w := uint16(1000)
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64p(1 << 30), Reservation: i64p(1 << 20), Swap: i64p(3 << 30)},
		CPU:    &specs.LinuxCPU{Shares: u64p(1024), Quota: i64p(50000), Period: u64p(100000), Cpus: "0-1", Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: i64p(0)},
		BlockIO: &specs.LinuxBlockIO{Weight: &w, ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{
			{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 0}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 << 20}},
		Unified:        map[string]string{"memory.high": "12345", "pids.max": "77"},
		Devices:        []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}
	if err := Set(dir, r); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"memory.max": "1073741824", "memory.low": "1048576", "memory.swap.max": "2147483648",
		"cpu.weight": "39", "cpu.max": "50000 100000", "io.weight": "10000", "io.max": "8:16 wiops=max",
		"cpuset.cpus": "0-1", "cpuset.mems": "0", "memory.high": "12345", "hugetlb.2MB.max": "2097152",
		// unified is written last and wins over the mapped pids limit.
		"pids.max": "77",
	}
	for f, v := range want {
		if got := read(t, dir, f); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	if err := Set(dir, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(-1)}}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, dir, "memory.max"); got != "max" {
		t.Errorf("memory.max for -1 = %q", got)
	}
}

func TestSetErrors(t *testing.T) {
	dir := fakeCgroup(t, "memory.max")
	bad := []*specs.LinuxResources{
		{Pids: &specs.LinuxPids{Limit: i64p(5)}},                                     // pids.max missing
		{Memory: &specs.LinuxMemory{Swap: i64p(100)}},                                // swap without limit
		{Unified: map[string]string{"../../etc/passwd": "x"}},                        // escape
		{Unified: map[string]string{"cpu.weight": "5"}},                              // controller not enabled
		{CPU: &specs.LinuxCPU{RealtimeRuntime: i64p(1000)}},                          // no v2 rt
		{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "../2MB", Limit: 1}}}, // bad size
	}
	for _, r := range bad {
		if err := Set(dir, r); err == nil {
			t.Errorf("Set(%+v) accepted", r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pids.max")); err == nil {
		t.Error("Set created a control file")
	}
}

func TestDevicesHook(t *testing.T) {
	dir := fakeCgroup(t)
	var got []specs.LinuxDeviceCgroup
	DevicesHook = func(d string, rules []specs.LinuxDeviceCgroup) error {
		if d != dir {
			t.Errorf("hook dir %s", d)
		}
		got = rules
		return nil
	}
	t.Cleanup(func() { DevicesHook = nil })
	rules := []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Access: "r"}}
	if err := Set(dir, &specs.LinuxResources{Devices: rules}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("hook got %v", got)
	}
}

func TestEnableControllers(t *testing.T) {
	root := fakeCgroup(t)
	mid := filepath.Join(root, "a")
	leaf := filepath.Join(mid, "b")
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Fatal(err)
	}
	for d, ctrls := range map[string]string{root: "cpu memory", mid: "memory", leaf: "memory"} {
		for f, v := range map[string]string{"cgroup.controllers": ctrls, "cgroup.subtree_control": ""} {
			if err := os.WriteFile(filepath.Join(d, f), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := EnableControllers(root, leaf); err != nil {
		t.Fatal(err)
	}
	// Regular files keep only the last write.
	if got := read(t, root, "cgroup.subtree_control"); got != "+memory" {
		t.Errorf("root subtree_control = %q", got)
	}
	if got := read(t, mid, "cgroup.subtree_control"); got != "+memory" {
		t.Errorf("mid subtree_control = %q", got)
	}
	// The leaf holds the processes: enabling there would break the
	// no-internal-processes rule for its own children.
	if got := read(t, leaf, "cgroup.subtree_control"); got != "" {
		t.Errorf("leaf subtree_control = %q", got)
	}
	if err := EnableControllers(leaf, root); err == nil || !strings.Contains(err.Error(), "not under") {
		t.Errorf("dir above root: %v", err)
	}
}

func TestFreezer(t *testing.T) {
	dir := fakeCgroup(t, "cgroup.freeze")
	if err := os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Freeze(dir); err != nil {
		t.Fatal(err)
	}
	if p, err := Paused(dir); !p || err != nil {
		t.Fatalf("Paused = %v, %v", p, err)
	}
	// Never reaching "frozen 1": Freeze times out and thaws again.
	old := freezeTimeout
	freezeTimeout = 50 * time.Millisecond
	t.Cleanup(func() { freezeTimeout = old })
	if err := os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte("populated 1\nfrozen 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Freeze(dir); err == nil {
		t.Fatal("Freeze that never settles succeeded")
	}
	if got := read(t, dir, "cgroup.freeze"); got != "0" {
		t.Fatalf("cgroup.freeze after failed freeze = %q", got)
	}
	if err := Thaw(dir); err != nil {
		t.Fatal(err)
	}
	if p, err := Paused(filepath.Join(dir, "nope")); p || err != nil {
		t.Fatalf("Paused without cgroup.freeze = %v, %v", p, err)
	}
}
