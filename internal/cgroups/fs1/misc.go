package fs1

import (
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

func setPids(dir string, limit int64) error {
	// The runtime-spec says 0 or -1 means unlimited.
	v := "max"
	if limit > 0 {
		v = i64(limit)
	}
	return cgfile.Write(dir, "pids.max", v)
}

func setHugetlb(dir string, limits []specs.LinuxHugepageLimit) error {
	return cgfile.WriteHugetlb(dir, "limit_in_bytes", limits)
}

func setClassID(dir string, id uint32) error {
	return cgfile.Write(dir, "net_cls.classid", u64(uint64(id)))
}

func setPrio(dir string, prios []specs.LinuxInterfacePriority) error {
	for _, p := range prios {
		if p.Name == "" || strings.ContainsAny(p.Name, " \n") {
			return fmt.Errorf("invalid interface name %q", p.Name)
		}
		if err := cgfile.Write(dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
			return err
		}
	}
	return nil
}

// RdmaLine renders one rdma.max entry ("dev hca_handle=N hca_object=M"); it is
// shared with the v2 driver, whose rdma.max has the same syntax.
func RdmaLine(dev string, l specs.LinuxRdma) (string, error) {
	if dev == "" || strings.ContainsAny(dev, " \n") {
		return "", fmt.Errorf("invalid rdma device %q", dev)
	}
	line := dev
	if l.HcaHandles != nil {
		line += fmt.Sprintf(" hca_handle=%d", *l.HcaHandles)
	}
	if l.HcaObjects != nil {
		line += fmt.Sprintf(" hca_object=%d", *l.HcaObjects)
	}
	return line, nil
}

func setRdma(dir string, m map[string]specs.LinuxRdma) error {
	devs := make([]string, 0, len(m))
	for d := range m {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		line, err := RdmaLine(d, m[d])
		if err != nil {
			return err
		}
		if err := cgfile.Write(dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}
