package cgroups

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireV1Root skips unless we are root on a host with v1 hierarchies (the
// real-cgroup tests need them).
func requireV1Root(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	mode, err := DetectMode()
	if err != nil || mode == Unified {
		t.Skipf("needs a v1/hybrid host (mode %q, err %v)", mode, err)
	}
	if !isCgroupFS(filepath.Join(cgroupRoot, "memory")) {
		t.Skip("no v1 memory hierarchy")
	}
}

func testName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "hull-test-" + hex.EncodeToString(b)
}

// removeTestTree removes a hull-test cgroup tree, deepest first. It refuses
// anything that is not ours: a name without "hull-test" or a dir outside
// cgroupfs.
func removeTestTree(t *testing.T, dir string) {
	t.Helper()
	if !strings.Contains(dir, "hull-test") {
		t.Errorf("refusing to remove %s: not a hull-test cgroup", dir)
		return
	}
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return
	}
	if !isCgroupFS(dir) {
		t.Errorf("refusing to remove %s: not on cgroupfs", dir)
		return
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			removeTestTree(t, filepath.Join(dir, e.Name()))
		}
	}
	for i := 0; i < 50; i++ {
		err := syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("cleanup: could not remove %s", dir)
}

// cleanupManager removes every hull-test dir the manager may have made, even
// when the test failed before Destroy. Registered before the process
// cleanup, so it runs after the processes are dead (t.Cleanup is LIFO).
func cleanupManager(t *testing.T, m Manager, name string) {
	t.Cleanup(func() {
		for _, p := range m.State().Paths {
			i := strings.Index(p, "/"+name)
			if i < 0 {
				t.Errorf("path %s does not contain %s", p, name)
				continue
			}
			removeTestTree(t, p[:i+1+len(name)])
		}
	})
}

// startProc starts a command and kills and reaps it at cleanup.
func startProc(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

func readTrim(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return strings.TrimSpace(string(b))
}
