package spec

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks s the way runc does before creating a container, but names
// the offending field in every error. bundle resolves a relative root.path.
// It returns the first problem found; errors do not include the file name
// (Load adds it).
func Validate(s *specs.Spec, bundle string) error {
	if s == nil {
		return errors.New("config is empty")
	}
	checks := []func() error{
		func() error { return validateVersion(s.Version) },
		func() error { return validateRoot(s, bundle) },
		func() error {
			if s.Process == nil {
				return errors.New("process must be set")
			}
			return ValidateProcess(s.Process)
		},
		func() error { return validateMounts(s.Mounts) },
		func() error { return validateHooks(s.Hooks) },
		func() error { return validateLinux(s) },
	}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// validateVersion accepts any 1.x.y[-pre][+build] version: runtime-spec
// promises compatibility within a major version, and runc itself writes
// "1.0.2-dev".
func validateVersion(v string) error {
	if v == "" {
		return errors.New("ociVersion must be set")
	}
	core, _, _ := strings.Cut(v, "+")
	core, _, _ = strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return fmt.Errorf("ociVersion %q is not a MAJOR.MINOR.PATCH version", v)
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return fmt.Errorf("ociVersion %q is not a MAJOR.MINOR.PATCH version", v)
		}
	}
	if parts[0] != "1" {
		return fmt.Errorf("ociVersion %q is not supported (hull supports 1.x, up to %s)", v, specs.Version)
	}
	return nil
}

func validateRoot(s *specs.Spec, bundle string) error {
	if s.Root == nil {
		return errors.New("root must be set")
	}
	if s.Root.Path == "" {
		return errors.New("root.path must be set")
	}
	_, err := RootfsPath(bundle, s)
	return err
}

func validateMounts(ms []specs.Mount) error {
	for i, m := range ms {
		f := fmt.Sprintf("mounts[%d]", i)
		if m.Destination == "" {
			return fmt.Errorf("%s.destination must be set", f)
		}
		// Relative destinations are accepted (old configs; runc warns and
		// resolves them against "/"), see normalizeMounts.
		if err := noNUL(f+".destination", m.Destination); err != nil {
			return err
		}
		if err := noNUL(f+".source", m.Source); err != nil {
			return err
		}
		if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
			if len(m.UIDMappings) == 0 || len(m.GIDMappings) == 0 {
				return fmt.Errorf("%s: idmapped mounts need both uidMappings and gidMappings", f)
			}
			if err := validateMappings(f+".uidMappings", m.UIDMappings); err != nil {
				return err
			}
			if err := validateMappings(f+".gidMappings", m.GIDMappings); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	kinds := []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, //nolint:staticcheck // deprecated but still run, like runc
		{"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer},
		{"poststart", h.Poststart},
		{"poststop", h.Poststop},
	}
	for _, k := range kinds {
		for i, hk := range k.hooks {
			f := fmt.Sprintf("hooks.%s[%d]", k.name, i)
			if hk.Path == "" {
				return fmt.Errorf("%s.path must be set", f)
			}
			if !filepath.IsAbs(hk.Path) {
				return fmt.Errorf("%s.path %q must be absolute", f, hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return fmt.Errorf("%s.timeout %d must be greater than zero", f, *hk.Timeout)
			}
		}
	}
	return nil
}

// noNUL rejects strings that cannot reach the kernel intact: execve(2) and
// every path-taking syscall stop at the first NUL byte.
func noNUL(field, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL byte", field)
	}
	return nil
}
