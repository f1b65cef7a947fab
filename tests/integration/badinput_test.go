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

// TestUnknownID: every command on a missing id names it and says
// "does not exist".
func TestUnknownID(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	id := testutil.NewID(t)
	for _, args := range [][]string{
		{"state", id}, {"start", id}, {"kill", id, "KILL"}, {"delete", id}, {"ps", id},
	} {
		t.Run(args[0], func(t *testing.T) {
			expectError(t, testutil.Hull(t, root, args...), id, "does not exist")
		})
	}
	testutil.AssertNothingLeft(t, root, nil)
}

// TestDuplicateID: a second create with the same id fails and leaves the
// first container alone.
func TestDuplicateID(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	first := testutil.State(t, root, b.ID)
	expectError(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID), b.ID, "already exists")
	after := testutil.State(t, root, b.ID)
	if after.Pid != first.Pid || after.Status != "created" || !testutil.PidAlive(first.Pid) {
		t.Errorf("first container disturbed: before %+v after %+v", first, after)
	}
	ents, _ := os.ReadDir(root)
	var names []string
	for _, e := range ents {
		// "@..." is hull's own infrastructure (the sealed binary's empty
		// overlay layer), not a container.
		if !strings.HasPrefix(e.Name(), "@") {
			names = append(names, e.Name())
		}
	}
	if len(names) != 1 {
		t.Errorf("root holds %v, want only the first container's", names)
	}
}

// TestBrokenConfig: create with a broken config.json names the file and
// the problem, and leaves nothing behind.
func TestBrokenConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		config string
		wants  []string
	}{
		{"invalid-json", `{"ociVersion": "1.0.2", "process": {`, []string{"config.json"}},
		{"args-not-a-list", `{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": "sh"}}`, []string{"config.json", "args"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t)
			b.WriteConfig([]byte(c.config))
			root := testutil.Root(t)
			r := testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID)
			expectError(t, r, c.wants...)
			if c.name == "invalid-json" && !strings.Contains(strings.ToLower(r.Stderr), "json") {
				t.Errorf("stderr %q does not say the JSON is invalid", r.Stderr)
			}
			testutil.AssertNothingLeft(t, root, b)
		})
	}
}

// TestMissingConfig: a bundle without config.json is reported as such.
func TestMissingConfig(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t)
	if err := os.Remove(b.ConfigPath()); err != nil {
		t.Fatal(err)
	}
	root := testutil.Root(t)
	expectError(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID), "config.json")
	testutil.AssertNothingLeft(t, root, b)
}

// TestMissingRootfs: create with a root.path that does not exist names
// "rootfs" and the path.
func TestMissingRootfs(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t)
	missing := "nope-" + b.ID
	b.Edit(func(s *specs.Spec) { s.Root.Path = missing })
	root := testutil.Root(t)
	expectError(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID), "rootfs", missing)
	testutil.AssertNothingLeft(t, root, b)
	if _, err := os.Stat(filepath.Join(b.Dir, missing)); err == nil {
		t.Errorf("the runtime created the missing rootfs %s", missing)
	}
}

// TestUnknownSignal: kill with a bogus signal names it and does nothing.
func TestUnknownSignal(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	s := startDetached(t, root, b)
	expectError(t, testutil.Hull(t, root, "kill", b.ID, "SIGFOO"), "SIGFOO")
	if st := testutil.State(t, root, b.ID); st.Status != "running" || !testutil.PidAlive(s.Pid) {
		t.Errorf("container disturbed by a bad kill: %+v", st)
	}
}

// TestStartWrongState: start of a running or stopped container names the
// id and its status.
func TestStartWrongState(t *testing.T) {
	t.Parallel()
	t.Run("running", func(t *testing.T) {
		t.Parallel()
		b := testutil.NewBundle(t, "sleep", "100")
		root := testutil.Root(t)
		startDetached(t, root, b)
		expectError(t, testutil.Hull(t, root, "start", b.ID), b.ID, "running")
	})
	t.Run("stopped", func(t *testing.T) {
		t.Parallel()
		b := testutil.NewBundle(t, "true")
		root := testutil.Root(t)
		testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
		testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
		testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
		expectError(t, testutil.Hull(t, root, "start", b.ID), b.ID, "stopped")
	})
}

// TestDeleteRunningWithoutForce fails, names the id and "running", and
// leaves the container running.
func TestDeleteRunningWithoutForce(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	root := testutil.Root(t)
	s := startDetached(t, root, b)
	expectError(t, testutil.Hull(t, root, "delete", b.ID), b.ID, "running")
	if st := testutil.State(t, root, b.ID); st.Status != "running" || !testutil.PidAlive(s.Pid) {
		t.Errorf("container disturbed by a refused delete: %+v", st)
	}
}

// TestBadCLIUsage: unknown commands and missing ids fail with exit 1.
func TestBadCLIUsage(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	for _, args := range [][]string{{"no-such-command"}, {"state"}, {"create"}} {
		r := testutil.Hull(t, root, args...)
		if r.OK() || strings.TrimSpace(r.Stderr) == "" {
			t.Errorf("want failure with a message: %s", r)
		}
	}
	testutil.AssertNothingLeft(t, root, nil)
}
