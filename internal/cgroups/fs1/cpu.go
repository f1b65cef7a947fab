package fs1

import (
	"fmt"
	"path/filepath"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func cpuNeeded(c *specs.LinuxCPU) bool {
	return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil)
}

func setCPU(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		want := u64(*c.Shares)
		if err := cgfile.Write(dir, "cpu.shares", want); err != nil {
			return err
		}
		// The kernel silently clamps shares to [2, 262144]; report it
		// instead of pretending the requested value is in force.
		got, err := cgfile.Read(dir, "cpu.shares")
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("cpu shares %s out of range: kernel set %s", want, got)
		}
	}
	var period, quota string
	if c.Period != nil && *c.Period != 0 {
		period = u64(*c.Period)
	}
	if c.Quota != nil && *c.Quota != 0 {
		quota = i64(*c.Quota)
	}
	if err := writePair(dir, "cpu.cfs_period_us", period, "cpu.cfs_quota_us", quota); err != nil {
		return err
	}
	if c.Burst != nil {
		if err := cgfile.Write(dir, "cpu.cfs_burst_us", u64(*c.Burst)); err != nil {
			return err
		}
	}
	var rtPeriod, rtRuntime string
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		rtPeriod = u64(*c.RealtimePeriod)
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		rtRuntime = i64(*c.RealtimeRuntime)
	}
	if err := writePair(dir, "cpu.rt_period_us", rtPeriod, "cpu.rt_runtime_us", rtRuntime); err != nil {
		return err
	}
	if c.Idle != nil {
		if err := cgfile.Write(dir, "cpu.idle", i64(*c.Idle)); err != nil {
			return err
		}
	}
	return nil
}

// writePair writes a period and its budget. The kernel validates the ratio
// against the current other value, so one order can fail where the other
// works (e.g. shrinking the period below the current quota); try both.
func writePair(dir, pFile, pVal, qFile, qVal string) error {
	if pVal != "" {
		if err := cgfile.Write(dir, pFile, pVal); err != nil {
			if qVal == "" {
				return err
			}
			if qerr := cgfile.Write(dir, qFile, qVal); qerr != nil {
				return fmt.Errorf("%w (and %s first: %v)", err, qFile, qerr)
			}
			return cgfile.Write(dir, pFile, pVal)
		}
	}
	if qVal != "" {
		return cgfile.Write(dir, qFile, qVal)
	}
	return nil
}

func setCpuset(dir string, c *specs.LinuxCPU) error {
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

// cpusetFiles are the two sets a v1 cpuset needs before it takes a task.
var cpusetFiles = [2]string{"cpuset.cpus", "cpuset.mems"}

// ReadCpuset returns dir's cpuset.cpus and cpuset.mems.
func ReadCpuset(dir string) ([2]string, error) {
	var v [2]string
	for i, f := range cpusetFiles {
		s, err := cgfile.Read(dir, f)
		if err != nil {
			return v, err
		}
		v[i] = s
	}
	return v, nil
}

// FillCpuset writes the parent's value into each of dir's empty sets (cur,
// as read from dir) and returns dir's sets after.
func FillCpuset(dir string, cur, parent [2]string) ([2]string, error) {
	for i, f := range cpusetFiles {
		if cur[i] != "" {
			continue
		}
		if parent[i] == "" {
			return cur, fmt.Errorf("init cpuset %s: parent %s has empty %s", dir, filepath.Dir(dir), f)
		}
		if err := cgfile.Write(dir, f, parent[i]); err != nil {
			return cur, err
		}
		cur[i] = parent[i]
	}
	return cur, nil
}

// InitCpuset copies cpuset.cpus and cpuset.mems from the parent directory when
// dir's are empty: a new v1 cpuset cgroup starts with empty sets and the
// kernel refuses to attach a task to it (ENOSPC) until both are filled.
// Callers initialise parents before children.
func InitCpuset(dir string) error {
	cur, err := ReadCpuset(dir)
	if err != nil || cur[0] != "" && cur[1] != "" {
		return err
	}
	parent, err := ReadCpuset(filepath.Dir(dir))
	if err != nil {
		return err
	}
	_, err = FillCpuset(dir, cur, parent)
	return err
}
