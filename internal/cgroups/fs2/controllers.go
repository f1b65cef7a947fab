package fs2

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

// EnableControllers makes the controllers available at root usable in dir:
// on v2 a cgroup only gets a controller's files when its parent lists the
// controller in cgroup.subtree_control, so each directory from root down to
// dir's parent enables whatever it has in cgroup.controllers. Controllers are
// enabled one at a time and failures ignored: a parent holding processes
// refuses with EBUSY ("no internal processes" rule) and threaded subtrees
// refuse domain controllers; Set then reports the missing file for exactly
// the resource that needs it.
func EnableControllers(root, dir string) error {
	root = filepath.Clean(root)
	dir = filepath.Clean(dir)
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("enable controllers: %s is not under %s", dir, root)
	}
	if rel == "." {
		return nil
	}
	cur := root
	parts := strings.Split(rel, "/")
	for i := 0; i < len(parts); i++ {
		avail, err := cgfile.Read(cur, "cgroup.controllers")
		if err != nil {
			return err
		}
		enabled, err := cgfile.Read(cur, "cgroup.subtree_control")
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, c := range strings.Fields(enabled) {
			have[c] = true
		}
		// Never in a non-root cgroup that holds processes: threaded
		// controllers would be enabled there, and the kernel then refuses
		// every process in its children (EOPNOTSUPP).
		busy := false
		if cur != root {
			if procs, err := cgfile.Read(cur, "cgroup.procs"); err == nil && strings.TrimSpace(procs) != "" {
				busy = true
			}
		}
		for _, c := range strings.Fields(avail) {
			if !have[c] && !busy {
				_ = cgfile.Write(cur, "cgroup.subtree_control", "+"+c)
			}
		}
		cur = filepath.Join(cur, parts[i])
	}
	return nil
}
