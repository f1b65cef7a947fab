package main

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
)

// suiteCgroupParents are the parents of runtime-tools' relative cgroupsPath
// "testdir/cgrouptest/container" (cgroups.RelCgroupPath). A runtime removes
// the container's own cgroup on delete but, like runc, not the parents it
// had to create, so the linux_cgroups_relative_* programs leave these
// behind. Deepest first.
var suiteCgroupParents = []string{"testdir/cgrouptest", "testdir"}

// cgroupRoots are the cgroup hierarchies' mount points, deduplicated.
func cgroupRoots(h Host) []string {
	seen := map[string]bool{}
	var roots []string
	for _, mp := range h.V1Controllers {
		if !seen[mp] {
			seen[mp] = true
			roots = append(roots, mp)
		}
	}
	for _, mp := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(mp, "cgroup.controllers")); err == nil && !seen[mp] {
			seen[mp] = true
			roots = append(roots, mp)
		}
	}
	sort.Strings(roots)
	return roots
}

// existingSuiteCgroups lists which suite parents exist before the run:
// those are somebody else's and are left alone.
func existingSuiteCgroups(roots []string) map[string]bool {
	pre := map[string]bool{}
	for _, r := range roots {
		for _, rel := range suiteCgroupParents {
			p := filepath.Join(r, rel)
			if _, err := os.Stat(p); err == nil {
				pre[p] = true
			}
		}
	}
	return pre
}

// removeSuiteCgroups rmdirs the suite parents that appeared during the run.
// rmdir(2) on a cgroup fails while it has children or tasks, so nothing in
// use is ever removed; those are returned for the report.
func removeSuiteCgroups(roots []string, pre map[string]bool) (left []string) {
	for _, r := range roots {
		for _, rel := range suiteCgroupParents {
			p := filepath.Join(r, rel)
			if pre[p] {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				left = append(left, p+": "+err.Error())
			}
		}
	}
	return left
}
