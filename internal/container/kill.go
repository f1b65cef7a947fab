package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/state"
)

// Kill sends sig to the container's init, or with all to every process in
// its cgroup.
func (r *Runtime) Kill(id string, sig unix.Signal, all bool) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st := r.StatusOf(c)
	if st == specs.StateStopped && !all {
		return &WrongStatus{Op: "kill", ID: id, Status: st}
	}
	if all {
		return r.signalAll(c, sig)
	}
	if err := unix.Kill(c.Pid, sig); err != nil {
		return fmt.Errorf("kill container %q (pid %d): %w", id, c.Pid, err)
	}
	// SIGKILL stays pending on a frozen task: thaw, or a paused container
	// never dies and its client (containerd) waits forever.
	if sig == unix.SIGKILL && st == StatePaused {
		if m := r.cgroupOf(c); m != nil {
			m.Thaw()
		}
	}
	return nil
}

// signalAll signals every process in the container's cgroup. A paused
// container is thawed after SIGKILL so the signal is acted on, not left pending.
func (r *Runtime) signalAll(c *state.Container, sig unix.Signal) error {
	m := r.cgroupOf(c)
	if m == nil {
		if r.StatusOf(c) == specs.StateStopped {
			return nil
		}
		return unix.Kill(c.Pid, sig)
	}
	paused, _ := m.Paused()
	pids, err := m.Pids()
	if err != nil {
		return fmt.Errorf("list processes of %q: %w", c.ID, err)
	}
	for _, pid := range pids {
		unix.Kill(pid, sig)
	}
	if paused && sig == unix.SIGKILL {
		m.Thaw()
	}
	return nil
}
