package fs1

import (
	"fmt"
	"time"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

// v1 freezer.state values.
const (
	Frozen   = "FROZEN"
	Freezing = "FREEZING"
	Thawed   = "THAWED"
)

// freezeTimeout bounds how long Freeze waits for tasks stuck in FREEZING
// (e.g. in uninterruptible sleep on a hung NFS mount).
var freezeTimeout = 10 * time.Second

// FreezerState reads dir/freezer.state.
func FreezerState(dir string) (string, error) {
	return cgfile.Read(dir, "freezer.state")
}

// Freeze writes FROZEN and waits until the kernel reports FROZEN. The v1
// freezer moves through FREEZING while tasks are being frozen; rewriting
// FROZEN retries tasks that were not freezable at the previous attempt. If it
// does not settle the cgroup is thawed again, so a failed pause never leaves
// the container half-frozen.
func Freeze(dir string) error {
	deadline := time.Now().Add(freezeTimeout)
	delay := time.Millisecond
	for {
		if err := cgfile.Write(dir, "freezer.state", Frozen); err != nil {
			return err
		}
		st, err := FreezerState(dir)
		if err != nil {
			return err
		}
		if st == Frozen {
			return nil
		}
		if time.Now().After(deadline) {
			_ = cgfile.Write(dir, "freezer.state", Thawed)
			return fmt.Errorf("freeze %s: state still %s after %s", dir, st, freezeTimeout)
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// Thaw writes THAWED and waits until the kernel reports it.
func Thaw(dir string) error {
	deadline := time.Now().Add(freezeTimeout)
	for {
		if err := cgfile.Write(dir, "freezer.state", Thawed); err != nil {
			return err
		}
		st, err := FreezerState(dir)
		if err != nil {
			return err
		}
		if st == Thawed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("thaw %s: state still %s after %s", dir, st, freezeTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
