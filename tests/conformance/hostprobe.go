package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Host is what this machine offers for the features that some validation
// programs need whatever the runtime does. Expectations use it so that a
// host failure is only excused on a host that really lacks the feature: on
// the VM harness (cgroup v2, AppArmor) the same failure becomes unexpected.
type Host struct {
	// V1Controllers maps a cgroup v1 controller to its mount point.
	V1Controllers map[string]string
	// BlkioWeight: the v1 blkio hierarchy has blkio.weight (CFQ/BFQ
	// proportional weight; gone with CFQ since Linux 5.0 unless BFQ is used).
	BlkioWeight bool
	// AppArmor: the LSM is enabled (/sys/module/apparmor/parameters/enabled).
	AppArmor bool
	// BoundingSet is the capability bounding set of this process (CapBnd).
	BoundingSet uint64
	// Kernel is the running kernel's major and minor version.
	Kernel [2]int
	// CgroupV2Only: /sys/fs/cgroup is the unified hierarchy and no v1
	// hierarchy is mounted (the VM harness). runtime-tools at the pinned
	// version cannot read any cgroup there (cgroups.FindCgroup: "cgroupv2
	// is not supported yet").
	CgroupV2Only bool
	// Sda: a block device 8:0 exists (/sys/dev/block/8:0); the blkio
	// programs hard-code it.
	Sda bool
	// NetInterfaces counts /sys/class/net entries (lo included).
	NetInterfaces int
}

// cgroup2SuperMagic is CGROUP2_SUPER_MAGIC (linux/magic.h): statfs's f_type
// of a cgroup2 mount.
const cgroup2SuperMagic = 0x63677270

// KernelAtLeast compares the running kernel with major.minor.
func (h Host) KernelAtLeast(major, minor int) bool {
	return h.Kernel[0] > major || (h.Kernel[0] == major && h.Kernel[1] >= minor)
}

// parseKernelRelease reads "6.18.44-fc-v669" as {6, 18}.
func parseKernelRelease(s string) ([2]int, error) {
	var v [2]int
	parts := strings.SplitN(strings.TrimSpace(s), ".", 3)
	if len(parts) < 2 {
		return v, fmt.Errorf("kernel release %q: want MAJOR.MINOR", s)
	}
	for i := 0; i < 2; i++ {
		end := strings.IndexFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(parts[i])
		}
		n, err := strconv.Atoi(parts[i][:end])
		if err != nil {
			return v, fmt.Errorf("kernel release %q: %w", s, err)
		}
		v[i] = n
	}
	return v, nil
}

// capSysResource is CAP_SYS_RESOURCE's number (linux/capability.h).
const capSysResource = 24

// HasV1 reports whether the cgroup v1 controller is mounted.
func (h Host) HasV1(controller string) bool {
	_, ok := h.V1Controllers[controller]
	return ok
}

// HasCap reports whether the bounding set holds capability number c.
func (h Host) HasCap(c uint) bool { return h.BoundingSet&(1<<c) != 0 }

// ProbeHost reads /proc and /sys; it changes nothing.
func ProbeHost() (Host, error) {
	h := Host{V1Controllers: map[string]string{}}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return h, fmt.Errorf("open mountinfo: %w", err)
	}
	defer f.Close()
	if err := parseCgroupV1Mounts(f, h.V1Controllers); err != nil {
		return h, err
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup", &st); err == nil {
		h.CgroupV2Only = st.Type == cgroup2SuperMagic && len(h.V1Controllers) == 0
	}
	_, err = os.Stat("/sys/dev/block/8:0")
	h.Sda = err == nil
	if ifs, err := os.ReadDir("/sys/class/net"); err == nil {
		h.NetInterfaces = len(ifs)
	}
	if mp, ok := h.V1Controllers["blkio"]; ok {
		_, err := os.Stat(filepath.Join(mp, "blkio.weight"))
		h.BlkioWeight = err == nil
	}
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil {
		h.AppArmor = strings.TrimSpace(string(b)) == "Y"
	}
	rel, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return h, fmt.Errorf("read kernel release: %w", err)
	}
	if h.Kernel, err = parseKernelRelease(string(rel)); err != nil {
		return h, err
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return h, fmt.Errorf("read /proc/self/status: %w", err)
	}
	h.BoundingSet, err = parseCapBnd(string(status))
	if err != nil {
		return h, err
	}
	return h, nil
}

// parseCgroupV1Mounts fills controllers from mountinfo lines whose
// filesystem type is "cgroup" (v1); the controllers are in the super options.
func parseCgroupV1Mounts(f io.Reader, controllers map[string]string) error {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, fl := range fields {
			if fl == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || len(fields) < sep+4 || fields[sep+1] != "cgroup" {
			continue
		}
		for _, opt := range strings.Split(fields[sep+3], ",") {
			if _, ok := controllers[opt]; !ok {
				controllers[opt] = fields[4]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	return nil
}

func parseCapBnd(status string) (uint64, error) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("parse CapBnd %q: %w", v, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no CapBnd line in /proc/self/status")
}
