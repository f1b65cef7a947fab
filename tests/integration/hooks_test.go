package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// TestCreateContainerHookInContainer: a createContainer hook runs in the
// container's namespaces (mount, pid, network, IPC, UTS, cgroup) and
// cgroups, with the "creating" state and the init's pid on stdin, whether
// hull's set-up thread built the container (process.createContainerHooks)
// or its Go init did (forceGoInit). The set-up thread's case also checks
// that the hook did not cost the container the fast path: the waiting init
// is the C constructor's.
func TestCreateContainerHookInContainer(t *testing.T) {
	t.Parallel()
	bothInitPaths(t, func(t *testing.T, goInit bool) {
		dir := testutil.TempDir(t, "hkc-")
		script := filepath.Join(dir, "hook.sh")
		body := "#!/bin/sh\ncat > \"$1/state.json\"\nfor ns in mnt pid net uts ipc cgroup; do echo \"$ns $(readlink /proc/self/ns/$ns)\"; done > \"$1/ns\"\ncat /proc/self/cgroup > \"$1/cgroup\"\n"
		if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		b := testutil.NewBundle(t, "sleep", "100")
		b.Edit(func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: script, Args: []string{script, dir}, Timeout: ptr(10)}}}
			if goInit {
				forceGoInit(s)
			}
		})
		root := testutil.Root(t)
		testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
		t.Cleanup(func() { testutil.Hull(t, root, "delete", "-f", b.ID) })
		pid := testutil.State(t, root, b.ID).Pid
		minorFaultsSayGoInit(t, pid, goInit)
		var st testutil.StateJSON
		data, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err != nil {
			t.Fatalf("the hook did not run: %v", err)
		}
		if err := json.Unmarshal(data, &st); err != nil || st.Status != "creating" || st.Pid != pid || st.ID != b.ID {
			t.Errorf("hook state %q (%v): want status creating, pid %d, id %s", data, err, pid, b.ID)
		}
		nsOut, _ := os.ReadFile(filepath.Join(dir, "ns"))
		for _, l := range lines(string(nsOut)) {
			ns, link, _ := strings.Cut(l, " ")
			want, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + ns)
			if err != nil {
				t.Fatal(err)
			}
			if link != want {
				t.Errorf("hook's %s namespace %s, want the container's %s", ns, link, want)
			}
		}
		if len(lines(string(nsOut))) != 6 {
			t.Errorf("hook's namespaces: %q", nsOut)
		}
		hookCg, _ := os.ReadFile(filepath.Join(dir, "cgroup"))
		initCg, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		// On a hybrid host the unified hierarchy (no controllers)
		// holds threads only within threaded subtrees: the hook stays
		// in hull's there. Every controller hierarchy must match.
		want := map[string]string{}
		for _, l := range lines(string(initCg)) {
			if !strings.HasPrefix(l, "0::") {
				want[l] = l
			}
		}
		for _, l := range lines(string(hookCg)) {
			if strings.HasPrefix(l, "0::") {
				continue
			}
			if want[l] == "" {
				t.Errorf("hook's cgroup line %q is not the container's:\n%s", l, initCg)
			}
			delete(want, l)
		}
		if len(want) > 0 {
			t.Errorf("hook not in the container's cgroups %v:\nhook:\n%s", want, hookCg)
		}
	})
}

// TestFailingCreateContainerHook: a failing createContainer hook fails
// create with a message naming it and leaves nothing, on both paths. On the
// set-up thread's path the thread had joined the container's v1 cgroups to
// fork the hook: they must still be removed.
func TestFailingCreateContainerHook(t *testing.T) {
	t.Parallel()
	bothInitPaths(t, func(t *testing.T, goInit bool) {
		b := testutil.NewBundle(t, "sleep", "100")
		b.Edit(func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/false", Args: []string{"false"}}}}
			if goInit {
				forceGoInit(s)
			}
		})
		root := testutil.Root(t)
		r := testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID)
		expectError(t, r)
		if !strings.Contains(r.Stderr, "createContainer hook") {
			t.Errorf("error does not name the createContainer hook: %q", r.Stderr)
		}
		testutil.AssertNothingLeft(t, root, b)
	})
}
