package integration

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestKillSignalSpellings: KILL, SIGKILL and 9 all stop the container.
func TestKillSignalSpellings(t *testing.T) {
	t.Parallel()
	for _, sig := range []string{"KILL", "SIGKILL", "9"} {
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sleep", "100")
			root := testutil.Root(t)
			s := startDetached(t, root, b)
			testutil.MustOK(t, testutil.Hull(t, root, "kill", b.ID, sig))
			testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
			if !testutil.WaitPidGone(s.Pid, 5*time.Second) {
				t.Errorf("pid %d alive after kill %s", s.Pid, sig)
			}
		})
	}
}

// TestKillDefaultTERM: without a signal, kill sends SIGTERM (the init has
// a handler: pid 1 of a pid namespace ignores signals it does not handle).
func TestKillDefaultTERM(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c",
		`trap 'echo term > /got-term; exit 0' TERM; echo ready > /ready; while :; do sleep 0.1; done`)
	root := testutil.Root(t)
	startDetached(t, root, b)
	waitFile(t, filepath.Join(b.Rootfs, "ready"), 10*time.Second)
	testutil.MustOK(t, testutil.Hull(t, root, "kill", b.ID))
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	waitFile(t, filepath.Join(b.Rootfs, "got-term"), time.Second)
}

// TestKillAll: kill --all reaches every process of the container, even
// without a pid namespace (where killing init does not kill the rest).
func TestKillAll(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--all", "-a"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sh", "-c", "sleep 1000 & sleep 1001 & wait")
			b.Edit(func(s *specs.Spec) { dropNamespace(s, specs.PIDNamespace) })
			root := testutil.Root(t)
			startDetached(t, root, b)
			var pids []int
			deadline := time.Now().Add(10 * time.Second)
			for len(pids) < 3 && time.Now().Before(deadline) {
				r := testutil.MustOK(t, testutil.Hull(t, root, "ps", "--format", "json", b.ID))
				pids = nil
				_ = json.Unmarshal([]byte(r.Stdout), &pids)
				time.Sleep(50 * time.Millisecond)
			}
			if len(pids) < 3 {
				t.Fatalf("want init + 2 sleeps, ps says %v", pids)
			}
			testutil.MustOK(t, testutil.Hull(t, root, "kill", flag, b.ID, "KILL"))
			for _, p := range pids {
				if !testutil.WaitPidGone(p, 5*time.Second) {
					t.Errorf("pid %d survived kill %s", p, flag)
				}
			}
			testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
		})
	}
}

// TestDeleteForceRunning: delete -f kills and removes a running container.
func TestDeleteForceRunning(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"-f", "--force"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sleep", "100")
			root := testutil.Root(t)
			s := startDetached(t, root, b)
			testutil.MustOK(t, testutil.Hull(t, root, "delete", flag, b.ID))
			if !testutil.WaitPidGone(s.Pid, 5*time.Second) {
				t.Errorf("pid %d alive after delete %s", s.Pid, flag)
			}
			expectError(t, testutil.Hull(t, root, "state", b.ID), b.ID, "does not exist")
			testutil.AssertNothingLeft(t, root, b)
		})
	}
}

// TestDeleteForceCreated: delete -f also removes a never-started container.
func TestDeleteForceCreated(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	pid := testutil.State(t, root, b.ID).Pid
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "-f", b.ID))
	if !testutil.WaitPidGone(pid, 5*time.Second) {
		t.Errorf("pid %d alive after delete -f", pid)
	}
	testutil.AssertNothingLeft(t, root, b)
}
