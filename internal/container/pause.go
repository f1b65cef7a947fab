package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Pause freezes every process of a running (or created) container with the
// cgroup freezer, as runc does. A container without a usable freezer fails
// with the reason; nothing is changed then.
func (r *Runtime) Pause(id string) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	switch st := r.StatusOf(c); st {
	case specs.StateRunning, specs.StateCreated:
	case StatePaused:
		return fmt.Errorf("cannot pause container %q: it is already paused", id)
	default:
		return &WrongStatus{Op: "pause", ID: id, Status: st}
	}
	m := r.cgroupOf(c)
	if m == nil {
		return fmt.Errorf("cannot pause container %q: it has no cgroup, so no freezer", id)
	}
	if err := m.Freeze(); err != nil {
		return fmt.Errorf("cannot pause container %q: %w", id, err)
	}
	return nil
}

// Resume thaws a paused container.
func (r *Runtime) Resume(id string) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if st := r.StatusOf(c); st != StatePaused {
		return fmt.Errorf("cannot resume container %q: it is %s, not paused", id, st)
	}
	m := r.cgroupOf(c)
	if m == nil {
		return fmt.Errorf("cannot resume container %q: it has no cgroup", id)
	}
	if err := m.Thaw(); err != nil {
		return fmt.Errorf("cannot resume container %q: %w", id, err)
	}
	return nil
}
