package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestLifecycle walks create -> state(created) -> start -> state(running) ->
// kill -> state(stopped) -> delete, checking what a user would check.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "echo started > /started; exec sleep 100")
	b.Edit(func(s *specs.Spec) {
		s.Annotations = map[string]string{"org.hull.test": "lifecycle"}
	})
	root := testutil.Root(t)

	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	s := testutil.State(t, root, b.ID)
	if s.Status != "created" {
		t.Errorf("status after create = %q, want created", s.Status)
	}
	if s.ID != b.ID {
		t.Errorf("state id = %q, want %q", s.ID, b.ID)
	}
	if s.Pid <= 0 || !testutil.PidAlive(s.Pid) {
		t.Fatalf("state pid %d after create is not a live process", s.Pid)
	}
	if s.Bundle != b.Dir {
		t.Errorf("state bundle = %q, want %q", s.Bundle, b.Dir)
	}
	if s.Rootfs != b.Rootfs {
		t.Errorf("state rootfs = %q, want %q", s.Rootfs, b.Rootfs)
	}
	if !strings.HasPrefix(s.OCIVersion, "1.") {
		t.Errorf("state ociVersion = %q, want 1.x", s.OCIVersion)
	}
	if created, err := time.Parse(time.RFC3339Nano, s.Created); err != nil {
		t.Errorf("state created %q is not RFC3339Nano: %v", s.Created, err)
	} else if d := time.Since(created); d < 0 || d > 5*time.Minute {
		t.Errorf("state created %v is not recent", created)
	}
	if s.Owner == nil {
		t.Errorf("state has no owner field")
	}
	if s.Annotations["org.hull.test"] != "lifecycle" {
		t.Errorf("state annotations = %v, want org.hull.test=lifecycle", s.Annotations)
	}
	if _, err := os.Stat(filepath.Join(b.Rootfs, "started")); err == nil {
		t.Errorf("the user process ran before start")
	}

	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	s2 := testutil.WaitStatus(t, root, b.ID, "running", 10*time.Second)
	if s2.Pid != s.Pid {
		t.Errorf("pid changed from %d (created) to %d (running)", s.Pid, s2.Pid)
	}
	waitFile(t, filepath.Join(b.Rootfs, "started"), 10*time.Second)

	testutil.MustOK(t, testutil.Hull(t, root, "kill", b.ID, "KILL"))
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	if !testutil.WaitPidGone(s.Pid, 5*time.Second) {
		t.Errorf("pid %d still alive after the container stopped", s.Pid)
	}

	testutil.MustOK(t, testutil.Hull(t, root, "delete", b.ID))
	expectError(t, testutil.Hull(t, root, "state", b.ID), b.ID, "does not exist")
	testutil.AssertNothingLeft(t, root, b)
}

// TestStartedContainerExits: a short-lived container goes to stopped by
// itself and can then be deleted without --force.
func TestStartedContainerExits(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "true")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	testutil.MustOK(t, testutil.Hull(t, root, "delete", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestCreateFromBundleCwd: without --bundle the current directory is the
// bundle (runc's default, used by some callers).
func TestCreateFromBundleCwd(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "true")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.HullWith(t, root, testutil.Opts{Dir: b.Dir}, "create", b.ID))
	if s := testutil.State(t, root, b.ID); s.Bundle != b.Dir {
		t.Errorf("bundle = %q, want %q", s.Bundle, b.Dir)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

func waitFile(t *testing.T, p string, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		data, err := os.ReadFile(p)
		if err == nil && len(data) > 0 {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", p, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
