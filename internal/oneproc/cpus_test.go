package oneproc

import (
	"encoding/hex"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A hull process (this test binary shares hull's entry point) runs on one
// CPU of the caller's mask; Unpinned gives a thread the caller's mask for
// as long as it starts a child, and ChildEnv hands the same mask to an init.
func TestPinnedAndUnpinned(t *testing.T) {
	if !cgoEnabled {
		t.Skip("no hullentry without cgo")
	}
	if !Pinned() {
		t.Skip("not pinned: one CPU, or started with a _HULL_ variable")
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
