package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func init() { scenarios["readonly-path"] = scenarioReadonlyPath }

// TestReadonlyPath: readonlyPath makes a path read-only and keeps its
// other flags and its submounts, through the new mount API (open_tree +
// mount_setattr + move_mount) and through the bind+remount fallback.
func TestReadonlyPath(t *testing.T) {
	for _, mode := range []string{"mount-api", "fallback"} {
		t.Run(mode, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "root")
			mustMkdir(t, filepath.Join(dir, "t"))
			runInChild(t, "readonly-path", scenarioArgs{Rootfs: dir, Paths: map[string]string{"mode": mode}})
		})
	}
}

func scenarioReadonlyPath(a scenarioArgs) error {
	noMountAPI.Store(a.Paths["mode"] == "fallback")
	t := filepath.Join(a.Rootfs, "t")
	if err := unix.Mount("tmpfs", t, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs: %w", err)
	}
	sub := filepath.Join(t, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, ""); err != nil {
		return fmt.Errorf("mount sub: %w", err)
	}
	root, err := openRootDir(a.Rootfs)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := readonlyPath(root, "/t"); err != nil {
		return err
	}
	if err := readonlyPath(root, "/missing"); err != nil {
		return fmt.Errorf("missing path: %w", err)
	}
	ck := &check{}
	expectErrno(ck, "create in read-only /t", os.WriteFile(filepath.Join(t, "x"), nil, 0o644), unix.EROFS)
	var sf unix.Statfs_t
	if err := unix.Statfs(t, &sf); err != nil {
		return err
	}
	if want := int64(unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV); sf.Flags&want != want {
		ck.fail("flags of /t = %#x, want %#x kept", sf.Flags, want)
	}
	// The submount came along (recursive bind) and keeps its own flags.
	if err := os.WriteFile(filepath.Join(sub, "y"), nil, 0o644); err != nil {
		ck.fail("submount lost or made read-only: %v", err)
	}
	if noMountAPI.Load() != (a.Paths["mode"] == "fallback") {
		ck.fail("fell back to bind+remount on a kernel with the mount API")
	}
	return ck.err()
}
