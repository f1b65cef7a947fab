package fs2

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/cgroups/fs1"
)

// DevicesHook applies device rules on cgroup v2, where the device controller
// is an eBPF program attached to the cgroup (BPF_CGROUP_DEVICE) rather than a
// file. Package cgroups sets it to ebpf.Apply (a hook keeps fs2 free of the
// BPF dependency and testable over temp dirs); while nil, device rules are
// ignored on v2.
var DevicesHook func(dir string, rules []specs.LinuxDeviceCgroup) error

// Set writes r into the v2 cgroup dir. linux.resources.unified is written
// last so its explicit file values win over the mapped ones.
func Set(dir string, r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := setMemory(dir, r.Memory); err != nil {
		return fmt.Errorf("set memory resources: %w", err)
	}
	if err := setCPU(dir, r.CPU); err != nil {
		return fmt.Errorf("set cpu resources: %w", err)
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		v := "max"
		if *r.Pids.Limit > 0 {
			v = strconv.FormatInt(*r.Pids.Limit, 10)
		}
		if err := cgfile.Write(dir, "pids.max", v); err != nil {
			return fmt.Errorf("set pids resources: %w", err)
		}
	}
	if err := setIO(dir, r.BlockIO); err != nil {
		return fmt.Errorf("set io resources: %w", err)
	}
	if err := SetHugetlb(dir, r.HugepageLimits); err != nil {
		return fmt.Errorf("set hugetlb resources: %w", err)
	}
	if err := setRdma(dir, r.Rdma); err != nil {
		return fmt.Errorf("set rdma resources: %w", err)
	}
	if len(r.Devices) > 0 && DevicesHook != nil {
		if err := DevicesHook(dir, r.Devices); err != nil {
			return fmt.Errorf("set device rules: %w", err)
		}
	}
	if err := SetUnified(dir, r.Unified); err != nil {
		return err
	}
	return nil
}

func setMemory(dir string, m *specs.LinuxMemory) error {
	if m == nil {
		return nil
	}
	var limit int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		v, ok, err := SwapMax(*m.Swap, limit)
		if err != nil {
			return err
		}
		// memory.swap.max is independent of memory.max on v2, so the order
		// does not matter (unlike v1's memsw >= limit rule).
		if ok {
			if err := cgfile.Write(dir, "memory.swap.max", v); err != nil {
				return err
			}
		}
	}
	if limit != 0 {
		if err := cgfile.Write(dir, "memory.max", limitOrMax(limit)); err != nil {
			return err
		}
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		if err := cgfile.Write(dir, "memory.low", limitOrMax(*m.Reservation)); err != nil {
			return err
		}
	}
	// swappiness, kernel, kernelTCP and disableOOMKiller have no v2
	// equivalent; runc ignores them there too.
	return nil
}

func setCPU(dir string, c *specs.LinuxCPU) error {
	if c == nil {
		return nil
	}
	if c.Shares != nil {
		if w := CPUSharesToWeight(*c.Shares); w != 0 {
			if err := cgfile.Write(dir, "cpu.weight", strconv.FormatUint(w, 10)); err != nil {
				return err
			}
		}
	}
	var quota int64
	var period uint64
	if c.Quota != nil {
		quota = *c.Quota
	}
	if c.Period != nil {
		period = *c.Period
	}
	if v, ok := CPUMax(quota, period); ok {
		if err := cgfile.Write(dir, "cpu.max", v); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := cgfile.Write(dir, "cpu.max.burst", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := cgfile.Write(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	if c.RealtimePeriod != nil || c.RealtimeRuntime != nil {
		return fmt.Errorf("realtime cpu period/runtime are not supported on cgroup v2")
	}
	if c.Cpus != "" {
		if err := cgfile.Write(dir, "cpuset.cpus", c.Cpus); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := cgfile.Write(dir, "cpuset.mems", c.Mems); err != nil {
			return err
		}
	}
	return nil
}

func setIO(dir string, b *specs.LinuxBlockIO) error {
	if b == nil {
		return nil
	}
	if b.Weight != nil && *b.Weight != 0 {
		// io.weight exists with the cgroup io cost controller; with BFQ
		// only io.bfq.weight does, and it takes the v1 range unconverted.
		if cgfile.Exists(dir, "io.weight") || !cgfile.Exists(dir, "io.bfq.weight") {
			if err := cgfile.Write(dir, "io.weight", strconv.FormatUint(BlkioWeightToIOWeight(*b.Weight), 10)); err != nil {
				return err
			}
		} else if err := cgfile.Write(dir, "io.bfq.weight", strconv.FormatUint(uint64(*b.Weight), 10)); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight == nil {
			continue
		}
		line := fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, BlkioWeightToIOWeight(*wd.Weight))
		if err := cgfile.Write(dir, "io.weight", line); err != nil {
			return err
		}
	}
	throttles := []struct {
		key  string
		devs []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice},
		{"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice},
		{"wiops", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			// A rate of 0 means "no limit" in the OCI/v1 world, "max" on v2.
			rate := "max"
			if d.Rate != 0 {
				rate = strconv.FormatUint(d.Rate, 10)
			}
			if err := cgfile.Write(dir, "io.max", fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, t.key, rate)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetHugetlb writes hugetlb.<size>.max (and .rsvd.max where the kernel has
// reservation accounting). Exported because a hybrid host may have hugetlb
// only on its unified hierarchy.
func SetHugetlb(dir string, limits []specs.LinuxHugepageLimit) error {
	return cgfile.WriteHugetlb(dir, "max", limits)
}

func setRdma(dir string, m map[string]specs.LinuxRdma) error {
	devs := make([]string, 0, len(m))
	for d := range m {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		line, err := fs1.RdmaLine(d, m[d])
		if err != nil {
			return err
		}
		if err := cgfile.Write(dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}

// SetUnified writes linux.resources.unified: each key is a control file name
// in dir. Keys are checked so that user input cannot name a path outside the
// cgroup ("../../x") and a missing file reports which controller is absent.
func SetUnified(dir string, u map[string]string) error {
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.ContainsAny(k, "/\x00") || k == "." || k == ".." || !strings.Contains(k, ".") {
			return fmt.Errorf("invalid unified resource key %q", k)
		}
		if !cgfile.Exists(dir, k) {
			ctrl, _, _ := strings.Cut(k, ".")
			return fmt.Errorf("unified resource %q: %s/%s does not exist (controller %q not enabled?)", k, dir, k, ctrl)
		}
		if err := cgfile.Write(dir, k, u[k]); err != nil {
			return fmt.Errorf("unified resource %q: %w", k, err)
		}
	}
	return nil
}
