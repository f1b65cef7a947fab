package caps

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// namedSets returns the five OCI capability sets with their config.json paths,
// in the order runc reports them.
func namedSets(c *specs.LinuxCapabilities) []struct {
	path  string
	names []string
} {
	return []struct {
		path  string
		names []string
	}{
		{"process.capabilities.bounding", c.Bounding},
		{"process.capabilities.effective", c.Effective},
		{"process.capabilities.inheritable", c.Inheritable},
		{"process.capabilities.permitted", c.Permitted},
		{"process.capabilities.ambient", c.Ambient},
	}
}

// Validate rejects names hull does not know, naming the set and the name:
// `process.capabilities.bounding: unknown capability "CAP_FOO"`. Names hull
// knows but the running kernel lacks are accepted (Apply skips them), so a
// config written for a newer kernel still runs on an older one.
func Validate(c *specs.LinuxCapabilities) error {
	if c == nil {
		return nil
	}
	for _, s := range namedSets(c) {
		for _, name := range s.names {
			if _, ok := known[name]; !ok {
				return fmt.Errorf("%s: unknown capability %q", s.path, name)
			}
		}
	}
	return nil
}

// mask turns names into a bit mask, skipping names hull does not know and
// numbers above last (the kernel would reject them with EINVAL/EPERM).
func mask(names []string, last int) uint64 {
	var m uint64
	for _, name := range names {
		if n, ok := known[name]; ok && n <= last {
			m |= 1 << uint(n)
		}
	}
	return m
}
