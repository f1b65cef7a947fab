package spec

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// One Spec's rootfs is resolved once (Load's validation, then create); a
// new Spec of the same bundle is resolved again, and sees a swapped link.
func TestRootfsPathOncePerSpec(t *testing.T) {
	bundle := t.TempDir()
	a, b := filepath.Join(bundle, "a"), filepath.Join(bundle, "b")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(bundle, "rootfs")
	if err := os.Symlink("a", link); err != nil {
		t.Fatal(err)
	}
	s := &specs.Spec{Root: &specs.Root{Path: "rootfs"}}
	first, err := RootfsPath(bundle, s)
	if err != nil || first != a {
		t.Fatalf("RootfsPath = %q, %v; want %s", first, err, a)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b", link); err != nil {
		t.Fatal(err)
	}
	if again, err := RootfsPath(bundle, s); err != nil || again != a {
		t.Fatalf("same spec: RootfsPath = %q, %v; want the first answer %s", again, err, a)
	}
	s2 := &specs.Spec{Root: &specs.Root{Path: "rootfs"}}
	if fresh, err := RootfsPath(bundle, s2); err != nil || fresh != b {
		t.Fatalf("new spec: RootfsPath = %q, %v; want %s", fresh, err, b)
	}
	// A failure is not remembered.
	s3 := &specs.Spec{Root: &specs.Root{Path: "missing"}}
	if _, err := RootfsPath(bundle, s3); err == nil {
		t.Fatal("missing rootfs accepted")
	}
	if err := os.Mkdir(filepath.Join(bundle, "missing"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := RootfsPath(bundle, s3); err != nil {
		t.Fatalf("rootfs made after a failure: %v", err)
	}
}
