package rootfs

import (
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func init() { scenarios["shared-parent"] = scenarioSharedParent }

// TestSharedParentLazyMountinfo: the rootfs sits on a shared mount.
// With the default (rslave) propagation mountinfo must not be read at all
// (nothing is shared after it); with the non-recursive "private" and
// "shared" it must be, and the parent made private, or pivot_root fails
// with EINVAL.
func TestSharedParentLazyMountinfo(t *testing.T) {
	for _, prop := range []string{"", "rslave", "rprivate", "private", "shared", "slave"} {
		t.Run("prop="+prop, func(t *testing.T) {
			rootfs := minimalRootfs(t)
			runInChild(t, "shared-parent", scenarioArgs{Rootfs: rootfs, Paths: map[string]string{"prop": prop}})
		})
	}
}

func scenarioSharedParent(a scenarioArgs) error {
	// Only inside this child's private mount namespace: the temp dir
	// holding the rootfs becomes a shared mount of its own.
	base := filepath.Dir(a.Rootfs)
	if err := unix.Mount(base, base, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", base, err)
	}
	if err := unix.Mount("", base, "", unix.MS_SHARED, ""); err != nil {
		return fmt.Errorf("make %s shared: %w", base, err)
	}
	prop, err := parseRootPropagation(a.Paths["prop"])
	if err != nil {
		return err
	}
	mt := &mountTable{}
	if err := prepareRoot(a.Rootfs, prop, mt); err != nil {
		return err
	}
	wantRead := a.Paths["prop"] == "private" || a.Paths["prop"] == "shared" || a.Paths["prop"] == "slave"
	if mt.read != wantRead {
		return fmt.Errorf("mountinfo read = %v, want %v", mt.read, wantRead)
	}
	spec := minimalSpec(a.Rootfs)
	spec.Linux.RootfsPropagation = a.Paths["prop"]
	if err := Pivot(&Config{Spec: spec, Rootfs: a.Rootfs}); err != nil {
		return fmt.Errorf("pivot with a shared parent: %w", err)
	}
	return nil
}
