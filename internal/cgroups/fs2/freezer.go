package fs2

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

var freezeTimeout = 10 * time.Second

// Freeze writes 1 to cgroup.freeze and waits for cgroup.events to report
// "frozen 1" (the v2 freezer is asynchronous: the write returns before every
// task has stopped). On timeout the cgroup is thawed again.
func Freeze(dir string) error {
	if err := cgfile.Write(dir, "cgroup.freeze", "1"); err != nil {
		return err
	}
	if err := waitFrozen(dir, true); err != nil {
		_ = cgfile.Write(dir, "cgroup.freeze", "0")
		return err
	}
	return nil
}

// Thaw writes 0 to cgroup.freeze and waits for "frozen 0".
func Thaw(dir string) error {
	if err := cgfile.Write(dir, "cgroup.freeze", "0"); err != nil {
		return err
	}
	return waitFrozen(dir, false)
}

// Paused reports whether cgroup.freeze is 1. A cgroup without the file (the
// root cgroup, or a kernel older than 5.2) cannot be frozen: false, nil.
func Paused(dir string) (bool, error) {
	v, err := cgfile.Read(dir, "cgroup.freeze")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return v == "1", nil
}

func waitFrozen(dir string, want bool) error {
	deadline := time.Now().Add(freezeTimeout)
	delay := time.Millisecond
	for {
		ev, err := cgfile.Read(dir, "cgroup.events")
		if err != nil {
			return err
		}
		if frozen, ok := eventsFrozen(ev); !ok || frozen == want {
			// Without a "frozen" line (never on >= 5.2) trust the write.
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("freezer %s: frozen=%v not reached after %s", dir, want, freezeTimeout)
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

func eventsFrozen(events string) (frozen, ok bool) {
	for _, l := range strings.Split(events, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		if k == "frozen" {
			return v == "1", true
		}
	}
	return false, false
}
