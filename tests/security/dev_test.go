package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// withoutDevTmpfs drops the /dev tmpfs from the spec, so /dev is the
// image's own directory and its entries are the attacker's.
func withoutDevTmpfs(s *specs.Spec) {
	var keep []specs.Mount
	for _, m := range s.Mounts {
		if m.Destination != "/dev" {
			keep = append(keep, m)
		}
	}
	s.Mounts = keep
}

// plantDev replaces rootfs/dev/name with an absolute symlink to target.
func plantDev(t *testing.T, rootfs, name, target string) {
	t.Helper()
	dev := filepath.Join(rootfs, "dev")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dev, name)
	_ = os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// TestCVE_2025_31133_MaskedPathsNeedRealDevNull: the image's /dev/null is a
// symlink to a host file. runc bind-mounted "/dev/null" over maskedPaths
// and so exposed (or, chowning it, damaged) the target. hull must bind only
// a verified 1:3 character device: the masked files read empty, the host
// file keeps its content, mode and owner.
func TestCVE_2025_31133_MaskedPathsNeedRealDevNull(t *testing.T) {
	victim := victimDir(t)
	before := snapshot(t, victim)
	b := testutil.NewBundle(t, "sh", "-c", "cat /proc/kcore /proc/timer_list; echo end")
	b.Edit(withoutDevTmpfs)
	plantDev(t, b.Rootfs, "null", filepath.Join(victim, "marker"))
	r := testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID)
	checkVictim(t, victim, before)
	if strings.Contains(r.Stdout, "host-secret") {
		t.Errorf("a masked path shows the host file /dev/null pointed at: %s", r)
	}
	if !r.OK() && strings.Count(strings.TrimRight(r.Stderr, "\n"), "\n") > 0 {
		t.Errorf("refusal is not one line: %s", r)
	}
}

// TestCVE_2025_52565_ConsoleNotAPlantedSymlink: with a terminal, hull binds
// the pty slave over /dev/console. If the image's /dev/console is a symlink
// to a host file, the bind (or a chown/chmod of the "console") must not
// follow it.
func TestCVE_2025_52565_ConsoleNotAPlantedSymlink(t *testing.T) {
	victim := victimDir(t)
	before := snapshot(t, victim)
	b := testutil.NewBundle(t, "sh", "-c", "cat /dev/console </dev/null & sleep 0.2; echo done")
	b.Edit(func(s *specs.Spec) {
		withoutDevTmpfs(s)
		s.Process.Terminal = true
	})
	plantDev(t, b.Rootfs, "console", filepath.Join(victim, "marker"))
	cs := testutil.NewConsoleSocket(t)
	root := testutil.Root(t)
	r := testutil.Hull(t, root, "create", "--bundle", b.Dir, "--console-socket", cs.Path, b.ID)
	if r.OK() {
		testutil.Hull(t, root, "start", b.ID)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if s := testutil.State(t, root, b.ID); s.Status == "stopped" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	} else if strings.Count(strings.TrimRight(r.Stderr, "\n"), "\n") > 0 {
		t.Errorf("refusal is not one line: %s", r)
	}
	checkVictim(t, victim, before)
}
