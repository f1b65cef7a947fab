package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ValidateProcess checks a process section (config.json's process, or the
// process.json given to `exec`). Field names start with "process.".
func ValidateProcess(p *specs.Process) error {
	if p == nil {
		return errors.New("process must be set")
	}
	if len(p.Args) == 0 {
		return errors.New("process.args must not be empty")
	}
	if p.Args[0] == "" {
		return errors.New("process.args[0] must not be empty")
	}
	for i, a := range p.Args {
		if err := noNUL(fmt.Sprintf("process.args[%d]", i), a); err != nil {
			return err
		}
	}
	for i, e := range p.Env {
		f := fmt.Sprintf("process.env[%d]", i)
		if err := noNUL(f, e); err != nil {
			return err
		}
		if strings.HasPrefix(e, "=") {
			return fmt.Errorf("%s %q has an empty variable name", f, e)
		}
	}
	// An empty cwd means "/" (the runtime's default); a relative one would
	// depend on where the runtime happens to run.
	if p.Cwd != "" && !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("process.cwd %q must be an absolute path", p.Cwd)
	}
	if err := noNUL("process.cwd", p.Cwd); err != nil {
		return err
	}
	if err := validateRlimits(p.Rlimits); err != nil {
		return err
	}
	if err := validateCapabilities(p.Capabilities); err != nil {
		return err
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return fmt.Errorf("process.oomScoreAdj %d is outside -1000..1000", *p.OOMScoreAdj)
	}
	if err := validateIOPriority(p.IOPriority); err != nil {
		return err
	}
	return nil
}

func validateRlimits(rl []specs.POSIXRlimit) error {
	seen := map[string]int{}
	for i, r := range rl {
		f := fmt.Sprintf("process.rlimits[%d]", i)
		if _, ok := Rlimits[r.Type]; !ok {
			return fmt.Errorf("%s.type %q unknown", f, r.Type)
		}
		if j, dup := seen[r.Type]; dup {
			return fmt.Errorf("%s.type %q duplicated (also at process.rlimits[%d])", f, r.Type, j)
		}
		seen[r.Type] = i
		if r.Soft > r.Hard {
			return fmt.Errorf("%s: soft limit %d is above hard limit %d", f, r.Soft, r.Hard)
		}
	}
	return nil
}

func validateCapabilities(c *specs.LinuxCapabilities) error {
	if c == nil {
		return nil
	}
	sets := []struct {
		name string
		caps []string
	}{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"inheritable", c.Inheritable},
		{"permitted", c.Permitted},
		{"ambient", c.Ambient},
	}
	for _, s := range sets {
		for i, name := range s.caps {
			if !capabilityNames[name] {
				return fmt.Errorf("process.capabilities.%s[%d] %q unknown (want an upper-case CAP_* name)", s.name, i, name)
			}
		}
	}
	return nil
}

// validateIOPriority mirrors ioprio_set(2): three classes, levels 0..7.
func validateIOPriority(p *specs.LinuxIOPriority) error {
	if p == nil {
		return nil
	}
	switch p.Class {
	case specs.IOPRIO_CLASS_RT, specs.IOPRIO_CLASS_BE, specs.IOPRIO_CLASS_IDLE:
	default:
		return fmt.Errorf("process.ioPriority.class %q unknown", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return fmt.Errorf("process.ioPriority.priority %d is outside 0..7", p.Priority)
	}
	return nil
}
