package container

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRAMInBytes(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1024": 1024, "100m": 100 << 20, "100M": 100 << 20, "1g": 1 << 30, "1G": 1 << 30,
		"512k": 512 << 10, "512kb": 512 << 10, "1.5g": 3 << 29, "2GiB": 2 << 30, "10 m": 10 << 20, "3b": 3,
		"1t": 1 << 40, "1p": 1 << 50,
	}
	for in, want := range good {
		got, err := RAMInBytes(in)
		if err != nil || got != want {
			t.Errorf("RAMInBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5m", "10x", "1e3", "m", "99999999999p"} {
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
