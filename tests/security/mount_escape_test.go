package security

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// checkVictim fails the test when the host directory changed or got a mount.
func checkVictim(t *testing.T, victim, before string) {
	t.Helper()
	if after := snapshot(t, victim); after != before {
		t.Errorf("host directory %s changed (mount or file created through a symlink):\nbefore:\n%s\nafter:\n%s", victim, before, after)
	}
	if isMountpoint(t, victim) {
		t.Errorf("something was mounted on host directory %s", victim)
	}
}

// TestCVE_2021_30465_SymlinkedMountDestination: the image makes a mount
// destination's parent an absolute symlink to a host directory. hull must
// resolve it inside the rootfs (as if the rootfs were /), so the mountpoint
// is created and mounted under rootfs/<host path>, never on the host.
func TestCVE_2021_30465_SymlinkedMountDestination(t *testing.T) {
	victim := victimDir(t)
	before := snapshot(t, victim)
	src := testutil.TempDir(t, "src-")
	if err := os.WriteFile(filepath.Join(src, "payload"), []byte("from-bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b2 := testutil.NewBundle(t, "sh", "-c", "cat /evil/bind/payload; ls -a "+victim)
	if err := os.Symlink(victim, filepath.Join(b2.Rootfs, "evil")); err != nil {
		t.Fatal(err)
	}
	b2.Edit(func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/evil/tmp/sub", Type: "tmpfs", Source: "tmpfs"},
			specs.Mount{Destination: "/evil/bind", Type: "bind", Source: src, Options: []string{"rbind", "ro"}},
		)
	})
	root := testutil.Root(t)
	res := testutil.Hull(t, root, "run", "--bundle", b2.Dir, b2.ID)
	checkVictim(t, victim, before)
	if res.OK() {
		if !strings.Contains(res.Stdout, "from-bundle") {
			t.Errorf("bind mount did not land at the in-rootfs target: %s", res)
		}
		if strings.Contains(res.Stdout, "marker") {
			t.Errorf("container listed the host directory through the symlink: %s", res)
		}
		if _, err := os.Stat(filepath.Join(b2.Rootfs, victim, "tmp", "sub")); err != nil {
			t.Errorf("mountpoint was not created inside the rootfs: %v", err)
		}
	} else if strings.Count(strings.TrimRight(res.Stderr, "\n"), "\n") > 0 {
		t.Errorf("refusal is not one line: %s", res)
	}
}

// TestCVE_2021_30465_DevIsSymlinkToHost: /dev in the image is a symlink to
// a host directory; hull's /dev tmpfs and device nodes must land inside the
// rootfs.
func TestCVE_2021_30465_DevIsSymlinkToHost(t *testing.T) {
	victim := victimDir(t)
	before := snapshot(t, victim)
	b := testutil.NewBundle(t, "sh", "-c", "ls /dev")
	dev := filepath.Join(b.Rootfs, "dev")
	if err := os.RemoveAll(dev); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, dev); err != nil {
		t.Fatal(err)
	}
	root := testutil.Root(t)
	res := testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID)
	checkVictim(t, victim, before)
	if res.OK() && strings.Contains(res.Stdout, "marker") {
		t.Errorf("container /dev shows the host directory: %s", res)
	}
}

// TestCVE_2021_30465_RacingSymlinkSwap: while hull sets up mounts, another
// process (a second container sharing the volume, in the real attack) keeps
// exchanging a mountpoint's parent between a directory and a symlink to the
// host. A check-then-use runtime eventually mounts onto the host; hull's
// fd-based resolution never does.
func TestCVE_2021_30465_RacingSymlinkSwap(t *testing.T) {
	victim := victimDir(t)
	before := snapshot(t, victim)
	b := testutil.NewBundle(t, "true")
	race := filepath.Join(b.Rootfs, "race")
	link := filepath.Join(b.Rootfs, "race-link")
	if err := os.MkdirAll(filepath.Join(race, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	b.Edit(func(s *specs.Spec) {
		for i := 0; i < 8; i++ {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/race/sub", Type: "tmpfs", Source: "tmpfs"})
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/race/new/dir", Type: "tmpfs", Source: "tmpfs"})
	})
	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if err := unix.Renameat2(unix.AT_FDCWD, race, unix.AT_FDCWD, link, unix.RENAME_EXCHANGE); err == nil {
				swaps.Add(1)
			}
		}
	}()
	root := testutil.Root(t)
	okRuns := 0
	for i := 0; i < 15; i++ {
		id := b.ID + "-" + string(rune('a'+i))
		if testutil.Hull(t, root, "run", "--bundle", b.Dir, id).OK() {
			okRuns++
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d swaps, %d of 15 runs succeeded", swaps.Load(), okRuns)
	checkVictim(t, victim, before)
}
