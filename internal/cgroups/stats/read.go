package stats

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

// ReadOptional reads dir/name; a missing file is "", nil. Both cgroup
// versions lack counters the running kernel does not have (kmem on
// cgroup.memory=nokmem, memory.peak before 5.19, controllers not enabled
// on v2), and a missing counter reports zero, as runc does.
func ReadOptional(dir, name string) (string, error) {
	v, err := cgfile.Read(dir, name)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return v, err
}

// ReadOptionalUint reads dir/name as a number (ParseUint): 0 where the
// file is missing or empty; a value that does not parse is an error that
// names the file.
func ReadOptionalUint(dir, name string) (uint64, error) {
	v, err := ReadOptional(dir, name)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := ParseUint(v)
	if err != nil {
		return 0, fmt.Errorf("%s/%s: %w", dir, name, err)
	}
	return n, nil
}

// ReadPids reads pids.current and pids.max, which have the same names and
// format on v1 and v2; "max" (unlimited) reports Limit 0, as runc does.
func ReadPids(dir string, p *Pids) error {
	var err error
	if p.Current, err = ReadOptionalUint(dir, "pids.current"); err != nil {
		return err
	}
	max, err := ReadOptional(dir, "pids.max")
	if err != nil || max == "" || max == "max" {
		return err
	}
	if p.Limit, err = ParseUint(max); err != nil {
		return fmt.Errorf("%s/pids.max: %w", dir, err)
	}
	return nil
}

// ReadCPUSet reads the cpu and memory node lists from the two named files
// (v1: cpuset.cpus/cpuset.mems; v2: their .effective variants).
func ReadCPUSet(dir, cpusFile, memsFile string, c *CPUSet) error {
	for _, f := range []struct {
		name string
		dst  *[]uint16
	}{{cpusFile, &c.CPUs}, {memsFile, &c.Mems}} {
		s, err := ReadOptional(dir, f.name)
		if err != nil {
			return err
		}
		if *f.dst, err = CPUList(s); err != nil {
			return fmt.Errorf("%s/%s: %w", dir, f.name, err)
		}
	}
	return nil
}

// HugePageSizes lists the page sizes ("2MB", "1GB") dir has a
// hugetlb.<size>.<file> for: the kernel creates one set of files per size
// it supports. The .rsvd. (reservation) files are not sizes of their own.
func HugePageSizes(dir, file string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var sizes []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, "hugetlb.") || !strings.HasSuffix(n, "."+file) || strings.Contains(n, ".rsvd.") {
			continue
		}
		sizes = append(sizes, strings.TrimSuffix(strings.TrimPrefix(n, "hugetlb."), "."+file))
	}
	return sizes, nil
}
