package oneproc

import (
	"encoding/hex"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// callerCPUs is the number of CPUs in the mask this test binary was
// started with (hullentry may have pinned it since).
func callerCPUs(t *testing.T) int {
	t.Helper()
	var set unix.CPUSet
	if Pinned() {
		copy((*[1024 / 8]byte)(unsafePtr(&set))[:], cpusOrig)
	} else if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	return set.Count()
}

// A hull process (this test binary shares hull's entry point) runs on one
// CPU of the caller's mask; Unpinned gives a thread the caller's mask for
// as long as it starts a child, and ChildEnv hands the same mask to an init.
// The checks run in a child started with HULL_PIN=1: whether a process
// started without it pins depends on the load (TestPinsOnlyAnIdleMachine).
func TestPinnedAndUnpinned(t *testing.T) {
	if !cgoEnabled {
		t.Skip("no hullentry without cgo")
	}
	if callerCPUs(t) < 2 {
		t.Skip("one CPU: nothing to pin")
	}
	if os.Getenv("HULL_PIN") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPinnedAndUnpinned$", "-test.count=1", "-test.v")
		cmd.Env = append(withoutGOMAXPROCS(), "HULL_PIN=1")
		out, err := combinedOutputUnpinned(cmd)
		if err != nil || !strings.Contains(string(out), "--- PASS: TestPinnedAndUnpinned") {
			t.Fatalf("child with HULL_PIN=1: %v\n%s", err, out)
		}
		return
	}
	if !Pinned() {
		t.Fatal("not pinned although HULL_PIN=1 and the caller's mask has several CPUs")
	}
	var orig unix.CPUSet
	copy((*[1024 / 8]byte)(unsafePtr(&orig))[:], cpusOrig)
	if orig.Count() < 2 {
		t.Fatalf("pinned although the caller's mask %x has %d CPUs", cpusOrig, orig.Count())
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cur unix.CPUSet
	if err := unix.SchedGetaffinity(0, &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Count() != 1 {
		t.Fatalf("thread may run on %d CPUs, want 1", cur.Count())
	}
	var inside unix.CPUSet
	if err := Unpinned(func() error { return unix.SchedGetaffinity(0, &inside) }); err != nil {
		t.Fatal(err)
	}
	if inside != orig {
		t.Errorf("inside Unpinned: %v, want the caller's %v", inside, orig)
	}
	if err := unix.SchedGetaffinity(0, &cur); err != nil || cur.Count() != 1 {
		t.Errorf("after Unpinned: %d CPUs (%v), want 1 again", cur.Count(), err)
	}
	env := ChildEnv()
	if len(env) != 1 || !strings.HasPrefix(env[0], EnvCPUs+"=") {
		t.Fatalf("ChildEnv() = %q", env)
	}
	if b, err := hex.DecodeString(strings.TrimPrefix(env[0], EnvCPUs+"=")); err != nil || string(b) != string(cpusOrig) {
		t.Errorf("ChildEnv() = %q, want the caller's mask %x", env, cpusOrig)
	}
}

func unsafePtr(s *unix.CPUSet) unsafe.Pointer { return unsafe.Pointer(s) }

// TestPinsOnlyAnIdleMachine: hull pins itself only while at most half the
// CPUs of its mask have a runnable task. With every CPU kept busy by a
// spinning shell it stays free for the load balancer, as twenty creates
// started at once need (docs/performance.md, item 44); HULL_PIN=1 pins
// regardless and HULL_PIN=0 never does.
func TestPinsOnlyAnIdleMachine(t *testing.T) {
	if !cgoEnabled {
		t.Skip("no hullentry without cgo")
	}
	n := callerCPUs(t)
	if n < 2 {
		t.Skip("one CPU: nothing to pin")
	}
	if r := childReport(t, append(withoutGOMAXPROCS(), "HULL_PIN=0")); r["pinned"] != "false" {
		t.Errorf("HULL_PIN=0: pinned = %s, want false", r["pinned"])
	}
	for i := 0; i < n; i++ {
		spin := exec.Command("/bin/sh", "-c", "while :; do :; done")
		if err := Unpinned(spin.Start); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = spin.Process.Kill()
			_ = spin.Wait()
		})
	}
	if r := childReport(t, withoutGOMAXPROCS()); r["pinned"] != "false" {
		t.Errorf("with %d CPUs busy: pinned = %s, want false", n, r["pinned"])
	}
	if r := childReport(t, append(withoutGOMAXPROCS(), "HULL_PIN=1")); r["pinned"] != "true" {
		t.Errorf("HULL_PIN=1 with %d CPUs busy: pinned = %s, want true", n, r["pinned"])
	}
}
