package cgroups

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const helperEnv = "HULL_CGROUPS_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "mountns" {
		if err := mountNSHelper(os.Getenv("HULL_TEST_TMP")); err != nil {
			fmt.Println("FAIL:", err)
			os.Exit(1)
		}
		fmt.Println("PASS")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mountNSHelper runs in a child with its own mount namespace; every mount it
// makes vanishes with it.
func mountNSHelper(tmp string) error {
	// Belt and braces: nothing we mount may propagate to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / rprivate: %w", err)
	}
	freezer := filepath.Join(cgroupRoot, "freezer")
	if !FreezerAvailable() {
		return errors.New("freezer unavailable before the tmpfs mount")
	}
	if err := unix.Mount("tmpfs", freezer, "tmpfs", 0, "size=1m"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", freezer, err)
	}
	if FreezerAvailable() {
		return errors.New("FreezerAvailable true with a tmpfs over the freezer")
	}
	// A manager whose freezer dir is that tmpfs must not look paused, and
	// must not mkdir in it.
	dir := filepath.Join(freezer, "hull-test-ns", "ctr")
	m := &manager{st: State{Mode: Legacy, Paths: map[string]string{"freezer": dir}}}
	if err := m.Apply(os.Getpid()); !errors.Is(err, ErrNoHierarchy) {
		return fmt.Errorf("Apply into tmpfs: %v, want ErrNoHierarchy", err)
	}
	if _, err := os.Stat(filepath.Join(freezer, "hull-test-ns")); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Apply created a directory in tmpfs (%v)", err)
	}
	if p, err := m.Paused(); p || err != nil {
		return fmt.Errorf("Paused = %v, %v", p, err)
	}
	rl := &manager{st: State{Mode: Legacy, Paths: map[string]string{"freezer": dir}}, rootless: true}
	if err := rl.Apply(os.Getpid()); err != nil {
		return fmt.Errorf("rootless Apply with a missing hierarchy: %w", err)
	}
	if st := rl.State(); len(st.Paths) != 0 || len(st.Created) != 0 {
		return fmt.Errorf("rootless Apply recorded %+v", st)
	}

	// detectMode over a scratch root: tmpfs alone is legacy, a cgroup2
	// mount at unified/ makes it hybrid, cgroup2 at the root unified.
	root := filepath.Join(tmp, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "size=1m"); err != nil {
		return fmt.Errorf("mount tmpfs: %w", err)
	}
	if mode, err := detectMode(root); mode != Legacy || err != nil {
		return fmt.Errorf("tmpfs root: %q, %v", mode, err)
	}
	if err := os.Mkdir(filepath.Join(root, "unified"), 0o755); err != nil {
		return err
	}
	if err := unix.Mount("cgroup2", filepath.Join(root, "unified"), "cgroup2", 0, ""); err != nil {
		return fmt.Errorf("mount cgroup2: %w", err)
	}
	if mode, err := detectMode(root); mode != Hybrid || err != nil {
		return fmt.Errorf("tmpfs root with cgroup2 unified: %q, %v", mode, err)
	}
	if mode, err := detectMode(filepath.Join(root, "unified")); mode != Unified || err != nil {
		return fmt.Errorf("cgroup2 root: %q, %v", mode, err)
	}
	if _, err := detectMode(tmp); err == nil && fsType(tmp) != unix.TMPFS_MAGIC {
		return fmt.Errorf("detectMode accepted a %x filesystem", fsType(tmp))
	}
	return nil
}

func TestMountNamespaceChecks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if fsType(filepath.Join(cgroupRoot, "freezer")) != unix.CGROUP_SUPER_MAGIC {
		t.Skip("no v1 freezer mounted")
	}
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=mountns", "HULL_TEST_TMP="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !FreezerAvailable() {
		t.Fatal("the helper's tmpfs leaked into our mount namespace")
	}
}
