package container

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRAMInBytes(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1024": 1024, "100m": 100 << 20, "100M": 100 << 20, "1g": 1 << 30, "1G": 1 << 30,
		"512k": 512 << 10, "512kb": 512 << 10, "1.5g": 3 << 29, "2GiB": 2 << 30, "10 m": 10 << 20, "3b": 3,
		"1t": 1 << 40, "1p": 1 << 50, "2kib": 2 << 10, "7KIB": 7 << 10, "1.25 mi": 1.25 * (1 << 20), "8B": 8,
	}
	for in, want := range good {
		got, err := RAMInBytes(in)
		if err != nil || got != want {
			t.Errorf("RAMInBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5m", "10x", "1e3", "m", "99999999999p", "1.m", ".5m", "1  m", "1mm", "1bi", " 1"} {
		if v, err := RAMInBytes(in); err == nil {
			t.Errorf("RAMInBytes(%q) = %d, want an error", in, v)
		}
	}
}

func TestResourcesFromFlags(t *testing.T) {
	r, err := ResourcesFromFlags([]UpdateFlag{
		{"memory", "100m"}, {"memory-swap", "-1"}, {"memory-reservation", "10m"},
		{"cpu-shares", "512"}, {"cpu-quota", "-1"}, {"cpu-period", "100000"}, {"cpu-burst", "1000"},
		{"cpu-rt-period", "1000000"}, {"cpu-rt-runtime", "950000"}, {"cpu-idle", "1"},
		{"cpuset-cpus", "0-1"}, {"cpuset-mems", "0"}, {"pids-limit", "-5"}, {"blkio-weight", "500"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *r.Memory.Limit != 100<<20 || *r.Memory.Swap != -1 || *r.Memory.Reservation != 10<<20 {
		t.Errorf("memory = %+v", r.Memory)
	}
	c := r.CPU
	if *c.Shares != 512 || *c.Quota != -1 || *c.Period != 100000 || *c.Burst != 1000 || *c.RealtimePeriod != 1000000 ||
		*c.RealtimeRuntime != 950000 || *c.Idle != 1 || c.Cpus != "0-1" || c.Mems != "0" {
		t.Errorf("cpu = %+v", c)
	}
	if *r.Pids.Limit != -1 || *r.BlockIO.Weight != 500 {
		t.Errorf("pids %v blkio %v", *r.Pids.Limit, *r.BlockIO.Weight)
	}
	// Untouched resources stay nil, so they are not written.
	r, err = ResourcesFromFlags([]UpdateFlag{{"pids-limit", "10"}})
	if err != nil || r.Memory != nil || r.CPU != nil || r.BlockIO != nil {
		t.Errorf("only pids: %+v, %v", r, err)
	}
}

func TestResourcesFromFlagsErrorsNameTheFlag(t *testing.T) {
	for _, f := range []UpdateFlag{
		{"memory", "lots"}, {"cpu-shares", "-1"}, {"cpu-quota", "1.5"}, {"pids-limit", "x"},
		{"blkio-weight", "5"}, {"blkio-weight", "70000"}, {"cpu-idle", "2"}, {"cpu-period", ""},
	} {
		_, err := ResourcesFromFlags([]UpdateFlag{f})
		if err == nil || !strings.Contains(err.Error(), "--"+f.Name) {
			t.Errorf("%+v: err = %v, want one naming --%s", f, err, f.Name)
		}
	}
	if _, err := ResourcesFromFlags([]UpdateFlag{{"bogus", "1"}}); err == nil {
		t.Error("unknown flag accepted")
	}
}

func TestParseResources(t *testing.T) {
	r, err := ParseResources(strings.NewReader(`{"memory":{"limit":1048576},"pids":{"limit":5}}`))
	if err != nil || *r.Memory.Limit != 1048576 || *r.Pids.Limit != 5 {
		t.Errorf("ParseResources = %+v, %v", r, err)
	}
	if _, err := ParseResources(strings.NewReader(`{"memory":`)); err == nil || !strings.Contains(err.Error(), "--resources") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestMergeResources(t *testing.T) {
	limit, swap, shares, quota := int64(64<<20), int64(128<<20), uint64(1024), int64(50000)
	base := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &limit, Swap: &swap},
		CPU:     &specs.LinuxCPU{Shares: &shares, Quota: &quota, Cpus: "0"},
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}
	newLimit, zero, pids := int64(100<<20), int64(0), int64(42)
	patch := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &newLimit, Reservation: &zero},
		CPU:    &specs.LinuxCPU{Mems: "0"},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	got := MergeResources(base, patch)
	if *got.Memory.Limit != newLimit || *got.Memory.Swap != swap || got.Memory.Reservation != nil {
		t.Errorf("memory = %+v (0 must mean unchanged)", got.Memory)
	}
	if *got.CPU.Shares != shares || *got.CPU.Quota != quota || got.CPU.Cpus != "0" || got.CPU.Mems != "0" {
		t.Errorf("cpu = %+v", got.CPU)
	}
	if *got.Pids.Limit != 42 || len(got.Devices) != 1 {
		t.Errorf("pids %+v devices %+v", got.Pids, got.Devices)
	}
	// base is not modified.
	if *base.Memory.Limit != limit || base.Pids != nil || base.CPU.Mems != "" {
		t.Error("MergeResources modified its input")
	}
	if got := MergeResources(nil, nil); got == nil {
		t.Error("MergeResources(nil, nil) = nil")
	}
}

func TestResourcesToWriteCouplesLimits(t *testing.T) {
	limit, swap, quota, period := int64(64<<20), int64(128<<20), int64(50000), uint64(100000)
	merged := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit, Swap: &swap},
		CPU:    &specs.LinuxCPU{Quota: &quota, Period: &period},
	}
	patch := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &limit},
		CPU:     &specs.LinuxCPU{Quota: &quota},
		Devices: []specs.LinuxDeviceCgroup{{Allow: true}},
	}
	w := resourcesToWrite(patch, merged)
	if w.Memory.Swap == nil || *w.Memory.Swap != swap || w.CPU.Period == nil || *w.CPU.Period != period {
		t.Errorf("partners missing: memory %+v cpu %+v", w.Memory, w.CPU)
	}
	if w.Devices != nil {
		t.Error("device rules written by update")
	}
	if patch.Memory.Swap != nil {
		t.Error("resourcesToWrite modified the patch")
	}
}

// Every flag cmd/hull registers (UpdateFlagNames) is runc's list and
// parses: a name in the list without a setter, or the reverse, fails here.
func TestUpdateFlagNamesAllParse(t *testing.T) {
	want := []string{
		"blkio-weight", "cpu-burst", "cpu-idle", "cpu-period", "cpu-quota", "cpu-rt-period",
		"cpu-rt-runtime", "cpu-share", "cpu-shares", "cpuset-cpus", "cpuset-mems",
		"kernel-memory", "kernel-memory-tcp", "memory", "memory-reservation", "memory-swap", "pids-limit",
	}
	if !slices.Equal(UpdateFlagNames, want) {
		t.Fatalf("UpdateFlagNames = %v\nwant %v", UpdateFlagNames, want)
	}
	for _, n := range UpdateFlagNames {
		v := "100"
		if n == "cpu-idle" {
			v = "1"
		}
		r, err := ResourcesFromFlags([]UpdateFlag{{n, v}})
		if err != nil {
			t.Errorf("--%s %s: %v", n, v, err)
			continue
		}
		if reflect.DeepEqual(r, &specs.LinuxResources{}) {
			t.Errorf("--%s %s set nothing", n, v)
		}
	}
	r, err := ResourcesFromFlags([]UpdateFlag{{"cpu-share", "2"}, {"kernel-memory", "1k"}, {"kernel-memory-tcp", "2k"}})
	if err != nil || *r.CPU.Shares != 2 || *r.Memory.Kernel != 1024 || *r.Memory.KernelTCP != 2048 { //nolint:staticcheck // the deprecated fields are what the flags set
		t.Errorf("cpu-share/kernel-memory: %+v %v", r, err)
	}
}

// The three merge rules: numbers where 0 means unset, pointers where nil
// means not given, lists where empty means not given.
func TestMergeResourcesRules(t *testing.T) {
	w, w0, swappiness, idle := uint16(300), uint16(0), uint64(10), int64(1)
	dev := []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Rate: 1}}
	base := &specs.LinuxResources{
		BlockIO:        &specs.LinuxBlockIO{Weight: &w, ThrottleReadBpsDevice: dev},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}},
	}
	patch := &specs.LinuxResources{
		BlockIO: &specs.LinuxBlockIO{Weight: &w0, ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{},
			ThrottleWriteIOPSDevice: dev},
		Memory:  &specs.LinuxMemory{Swappiness: &swappiness},
		CPU:     &specs.LinuxCPU{Idle: &idle},
		Network: &specs.LinuxNetwork{ClassID: ptr(uint32(7))},
	}
	got := MergeResources(base, patch)
	b := got.BlockIO
	if *b.Weight != 300 || len(b.ThrottleReadBpsDevice) != 1 || len(b.ThrottleWriteIOPSDevice) != 1 {
		t.Errorf("blkio = %+v: weight 0 and an empty list must leave the base", b)
	}
	if *got.Memory.Swappiness != 10 || *got.CPU.Idle != 1 || *got.Network.ClassID != 7 || len(got.HugepageLimits) != 1 {
		t.Errorf("given values not merged: %+v %+v %+v %+v", got.Memory, got.CPU, got.Network, got.HugepageLimits)
	}
}

func ptr[T any](v T) *T { return &v }
