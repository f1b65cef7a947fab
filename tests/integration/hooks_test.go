package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// hookScript records the state JSON from stdin and appends its name to an
// order log. /bin/sh exists on the host and in the busybox rootfs, and the
// hook dir is bind-mounted at the same path inside, so the hooks that run in
// the container's namespaces find both before and after pivot_root.
const hookScript = `#!/bin/sh
cat > "$2/$1.json"
echo "$1" >> "$2/order"
`

var hookNames = []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}

// TestHooks: every hook kind runs at its point of the lifecycle and gets
// the container state on stdin.
func TestHooks(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t, "hk-")
	script := filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(script, []byte(hookScript), 0o755); err != nil {
		t.Fatal(err)
	}
	b := testutil.NewBundle(t, "sleep", "100")
	b.Edit(func(s *specs.Spec) {
		h := func(name string) []specs.Hook {
			return []specs.Hook{{Path: script, Args: []string{script, name, dir}, Timeout: ptr(10)}}
		}
		s.Hooks = &specs.Hooks{
			Prestart: h("prestart"), CreateRuntime: h("createRuntime"), CreateContainer: h("createContainer"),
			StartContainer: h("startContainer"), Poststart: h("poststart"), Poststop: h("poststop"),
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: dir, Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
	})
	root := testutil.Root(t)
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name+".json"))
		return err == nil
	}

	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	for _, n := range hookNames[:3] {
		if !exists(n) {
			t.Errorf("%s hook did not run during create", n)
		}
	}
	for _, n := range hookNames[3:] {
		if exists(n) {
			t.Errorf("%s hook ran during create", n)
		}
	}
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	waitFile(t, filepath.Join(dir, "poststart.json"), 10*time.Second)
	waitFile(t, filepath.Join(dir, "startContainer.json"), 10*time.Second)
	if exists("poststop") {
		t.Errorf("poststop ran before delete")
	}
	testutil.MustOK(t, testutil.Hull(t, root, "delete", "--force", b.ID))
	waitFile(t, filepath.Join(dir, "poststop.json"), 10*time.Second)

	for _, n := range hookNames {
		data, err := os.ReadFile(filepath.Join(dir, n+".json"))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		var s testutil.StateJSON
		if err := json.Unmarshal(data, &s); err != nil {
			t.Errorf("%s hook stdin is not state JSON: %q", n, data)
			continue
		}
		if s.ID != b.ID || s.Bundle != b.Dir {
			t.Errorf("%s hook state: id %q bundle %q, want %q %q", n, s.ID, s.Bundle, b.ID, b.Dir)
		}
		if n != "poststop" && s.Pid <= 0 {
			t.Errorf("%s hook state has no pid: %q", n, data)
		}
	}
	order, _ := os.ReadFile(filepath.Join(dir, "order"))
	got := lines(string(order))
	before := func(a, z string) {
		ia, iz := slices.Index(got, a), slices.Index(got, z)
		if ia < 0 || iz < 0 || ia > iz {
			t.Errorf("hook order %q: want %s before %s", got, a, z)
		}
	}
	before("prestart", "createContainer")
	before("createRuntime", "createContainer")
	before("createContainer", "startContainer")
	before("startContainer", "poststop")
	before("poststart", "poststop")
	testutil.AssertNothingLeft(t, root, b)
}

// TestFailingPrestartHook: create fails, says a hook failed, leaves nothing.
func TestFailingPrestartHook(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sleep", "100")
	b.Edit(func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/false", Args: []string{"false"}}}}
	})
	root := testutil.Root(t)
	r := testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID)
	expectError(t, r)
	if !strings.Contains(strings.ToLower(r.Stderr), "hook") {
		t.Errorf("error does not mention the hook: %q", r.Stderr)
	}
	testutil.AssertNothingLeft(t, root, b)
	expectError(t, testutil.Hull(t, root, "state", b.ID), b.ID, "does not exist")
}
