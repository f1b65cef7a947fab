package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
)

// State is stored in the container's state.json: what hull placed and what it
// CREATED, so delete removes exactly that (never a cgroup it did not create),
// also after a restart of hull.
type State struct {
	Mode    Mode              `json:"mode"`
	Paths   map[string]string `json:"paths"`   // controller (or "unified", "name=systemd") -> absolute dir
	Created []string          `json:"created"` // absolute dirs hull mkdir'ed, parents before children
	// Unwritable are the hierarchies skipped because hull could not create
	// or enter a cgroup there (read-only cgroupfs, no permission): the
	// container runs without them when it asks for nothing they control.
	Unwritable []string `json:"unwritable,omitempty"`
}

func (s State) clone() State {
	c := State{Mode: s.Mode, Paths: make(map[string]string, len(s.Paths))}
	for k, v := range s.Paths {
		c.Paths[k] = v
	}
	c.Created = append([]string(nil), s.Created...)
	c.Unwritable = append([]string(nil), s.Unwritable...)
	return c
}

// validate rejects a state.json that was edited or corrupted into naming
// directories Destroy must never touch: every path must be absolute and
// clean, and every created dir must lie on the way to one of the paths
// (that is how Apply creates them).
func (s State) validate() error {
	switch s.Mode {
	case Unified, Legacy, Hybrid:
	default:
		return fmt.Errorf("cgroup state: unknown mode %q", s.Mode)
	}
	for k, p := range s.Paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || p == "/" {
			return fmt.Errorf("cgroup state: bad path %q for %q", p, k)
		}
	}
	for _, c := range s.Created {
		if !filepath.IsAbs(c) || filepath.Clean(c) != c || c == "/" {
			return fmt.Errorf("cgroup state: bad created dir %q", c)
		}
		ok := false
		for _, p := range s.Paths {
			if p == c || strings.HasPrefix(p, c+"/") {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("cgroup state: created dir %q is not on the way to any cgroup path", c)
		}
	}
	return nil
}
