package cgroups

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// TestQuietCpusets: only the cpusets this create made are filled without
// load balancing, and only while the top cpuset balances (read from the
// hierarchy's root mount, never from a bind of a sub-tree).
func TestQuietCpusets(t *testing.T) {
	top := t.TempDir()
	made := []string{filepath.Join(top, "a"), filepath.Join(top, "a", "b")}
	mounts := func(root string) []*mountinfo.Info {
		return []*mountinfo.Info{
			{FSType: "cgroup", Root: "/", VFSOptions: "rw,memory", Mountpoint: t.TempDir()},
			{FSType: "cgroup", Root: root, VFSOptions: "rw,cpuset", Mountpoint: top},
		}
	}
	for _, tc := range []struct {
		name, balance, root string
		want                bool
	}{
		{"top balances", "1", "/", true},
		{"top isolates", "0", "/", false},
		{"a bound sub-tree", "1", "/kubepods", false},
		{"no flag file", "", "/", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(top, "cpuset.sched_load_balance")
			os.Remove(p)
			if tc.balance != "" {
				if err := os.WriteFile(p, []byte(tc.balance+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			quiet := (&manager{mounts: mounts(tc.root)}).quietCpusets(made)
			for _, d := range made {
				if got := quiet(d); got != tc.want {
					t.Errorf("quiet(%s) = %v, want %v", d, got, tc.want)
				}
			}
			if quiet(top) {
				t.Errorf("quiet(%s) = true for a cpuset this create did not make", top)
			}
		})
	}
	if (&manager{}).quietCpusets(made)(made[0]) {
		t.Error("a manager without mounts (loaded from state) quieted a cpuset")
	}
}
