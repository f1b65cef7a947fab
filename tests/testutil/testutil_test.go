package testutil

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { Main(m) }

func TestParseCLI(t *testing.T) {
	cases := []struct {
		args []string
		want cliCall
	}{
		{[]string{"create", "--bundle", "/b", "x"}, cliCall{sub: "create", id: "x"}},
		{[]string{"--log", "f", "--log-format=json", "run", "-d", "-b", "/b", "--pid-file", "p", "y"}, cliCall{sub: "run", id: "y", detach: true}},
		{[]string{"-debug", "run", "-bundle=/b", "-no-subreaper", "z"}, cliCall{sub: "run", id: "z"}},
		{[]string{"kill", "--all", "k", "KILL"}, cliCall{sub: "kill", id: "k"}},
		{[]string{"list", "-f", "json"}, cliCall{sub: "list"}},
		{[]string{"--version"}, cliCall{}},
	}
	for _, c := range cases {
		if got := parseCLI(c.args); got != c.want {
			t.Errorf("parseCLI(%q) = %+v, want %+v", c.args, got, c.want)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	a, b := NewID(t), NewID(t)
	if a == b || !strings.HasPrefix(a, "newidunique-") {
		t.Errorf("ids %q %q", a, b)
	}
}

// TestLeakedMountIsFoundAndDetached proves the mount check can fail: a
// tmpfs mounted under a bundle dir is reported and then detached (we run in
// Main's private mount namespace, so the host never sees it).
func TestLeakedMountIsFoundAndDetached(t *testing.T) {
	dir := TempDir(t, "mnt-")
	target := filepath.Join(dir, "rootfs", "proc")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", target, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	ms, err := mountsUnder(dir)
	if err != nil || !slices.Contains(ms, target) {
		t.Fatalf("mountsUnder(%s) = %v, %v; want %s", dir, ms, err, target)
	}
	if err := removeAllSafe(dir); err != nil {
		t.Fatalf("removeAllSafe: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists", dir)
	}
}

// TestLeftoversDetected proves the after-test checks can fail: with a live
// container (created by runc, the reference), the state dir, its process
// and its cgroup are reported; after delete --force nothing is.
func TestLeftoversDetected(t *testing.T) {
	runc := RuncBinary(t)
	b := NewBundle(t, "sleep", "100")
	root := TempDir(t, "r-")
	MustOK(t, Exec(t, runc, root, Opts{}, "create", "--bundle", b.Dir, b.ID))

	st := stateFor(t)
	st.mu.Lock()
	rt := st.rootFor(runc, root)
	st.mu.Unlock()
	got := strings.Join(append(rt.leftovers(0), b.leftovers(0)...), "\n")
	for _, want := range []string{"state directory", "still running", "cgroup", "whose root is the bundle rootfs"} {
		if !strings.Contains(got, want) {
			t.Errorf("leftovers of a live container lack %q:\n%s", want, got)
		}
	}
	MustOK(t, Exec(t, runc, root, Opts{}, "delete", "--force", b.ID))
	if p := append(rt.leftovers(5*time.Second), b.leftovers(time.Second)...); len(p) > 0 {
		t.Errorf("leftovers after delete --force: %q", p)
	}
}

func TestHostSnapshotCompare(t *testing.T) {
	s, err := snapshotHost()
	if err != nil {
		t.Fatal(err)
	}
	if p := s.compare(s); len(p) != 0 {
		t.Errorf("snapshot differs from itself: %q", p)
	}
	changed := *s
	changed.hostname = s.hostname + "-x"
	changed.cgroupDirs = s.cgroupDirs
	if p := s.compare(&changed); len(p) != 1 {
		t.Errorf("hostname change not reported: %q", p)
	}
}
