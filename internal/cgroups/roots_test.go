package cgroups

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A hierarchy's mountpoint that New saw on cgroupfs is not looked at again:
// Missing stops there without an lstat, so a root that does not exist on
// disk (here, a plain temp path) still counts as existing.
func TestMissingStopsAtKnownRoots(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "cpu") // never made
	exists := filepath.Join(tmp, "memory")
	if err := os.MkdirAll(filepath.Join(exists, "parent"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &manager{
		st: State{Mode: Legacy, Paths: map[string]string{
			"cpu":    filepath.Join(root, "a", "b"),
			"memory": filepath.Join(exists, "parent", "c"),
		}},
		roots: map[string]bool{root: true},
	}
	got := m.Missing()
	want := []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b"), filepath.Join(exists, "parent", "c")}
	if !slices.Equal(got, want) {
		t.Fatalf("Missing() = %q, want %q", got, want)
	}
	// Without known roots the walk goes on up to what exists (tmp).
	m.roots = nil
	got = m.Missing()
	if !slices.Contains(got, root) {
		t.Fatalf("Missing() without roots = %q, want %s in it", got, root)
	}
}

// mkdirs trusts a known root as cgroupfs (New statfs'd it); anything else
// must still pass the statfs check, so a plain directory is refused.
func TestMkdirsTrustsKnownRoots(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "ctr")
	m := &manager{st: State{Mode: Legacy}}
	if _, err := m.mkdirs(dir); err == nil {
		t.Fatalf("mkdirs under a plain directory %s succeeded", tmp)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatalf("%s made under a plain directory", dir)
	}
	m.roots = map[string]bool{tmp: true}
	made, err := m.mkdirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(made, []string{dir}) || !slices.Equal(m.st.Created, []string{dir}) {
		t.Fatalf("made %q, recorded %q; want %s in both", made, m.st.Created, dir)
	}
}
