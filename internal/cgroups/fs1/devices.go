package fs1

import (
	"fmt"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
	"github.com/hull-runtime/hull/internal/rawfile"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SetDevices makes the v1 devices controller of dir match rules: deny
// everything, then apply each rule in order (allow -> devices.allow, deny ->
// devices.deny), so the container gets exactly the listed devices.
func SetDevices(dir string, rules []specs.LinuxDeviceCgroup) error {
	lines := make([]string, len(rules))
	for i, r := range rules {
		l, err := DeviceRule(r)
		if err != nil {
			return err
		}
		lines[i] = l
	}
	// The kernel refuses "a" (whole-behaviour) writes with EINVAL once the
	// cgroup has children. An empty devices.list already is deny-all, so
	// skip the redundant writes then; this keeps updates of a container that
	// made its own sub-cgroups working.
	denyAll := false
	if cur, err := cgfile.Read(dir, "devices.list"); err == nil && cur == "" {
		denyAll = true
	}
	// One open file per control file for all the rules: the kernel
	// parses every write(2) as one rule, so reusing the fd saves an
	// open and a close per rule (podman sends 13 rules).
	files := map[string]*rawfile.FD{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	write := func(name, line string) error {
		f := files[name]
		if f == nil {
			var err error
			if f, err = cgfile.Open(dir, name); err != nil {
				return err
			}
			files[name] = f
		}
		if _, err := f.WriteString(line); err != nil {
			return fmt.Errorf("write %q to %s: %w", line, f.Name(), err)
		}
		return nil
	}
	if !denyAll {
		if err := write("devices.deny", "a"); err != nil {
			return err
		}
		denyAll = true
	}
	for i, r := range rules {
		isAll := strings.HasPrefix(lines[i], "a ")
		if !r.Allow && isAll && denyAll {
			continue
		}
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
			denyAll = false
		} else if isAll {
			denyAll = true
		}
		if err := write(file, lines[i]); err != nil {
			return err
		}
	}
	for name, f := range files {
		delete(files, name)
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", f.Name(), err)
		}
	}
	return nil
}

// DeviceRule renders one OCI device rule in the v1 devices.allow/deny syntax
// "type major:minor access", with "*" for absent numbers.
func DeviceRule(r specs.LinuxDeviceCgroup) (string, error) {
	typ := r.Type
	switch typ {
	case "", "a":
		typ = "a"
	case "b", "c":
	default:
		return "", fmt.Errorf("invalid device rule type %q", r.Type)
	}
	num := func(p *int64, what string) (string, error) {
		if p == nil || *p == -1 {
			return "*", nil
		}
		if *p < 0 {
			return "", fmt.Errorf("invalid device %s number %d", what, *p)
		}
		return i64(*p), nil
	}
	maj, err := num(r.Major, "major")
	if err != nil {
		return "", err
	}
	min, err := num(r.Minor, "minor")
	if err != nil {
		return "", err
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	seen := map[rune]bool{}
	for _, c := range access {
		if !strings.ContainsRune("rwm", c) || seen[c] {
			return "", fmt.Errorf("invalid device access %q", r.Access)
		}
		seen[c] = true
	}
	return fmt.Sprintf("%s %s:%s %s", typ, maj, min, access), nil
}
