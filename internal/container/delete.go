package container

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/state"
)

// Delete removes a container: a stopped one, or any other with force
// (runtime.md: deleting a container that is not stopped MUST fail).
func (r *Runtime) Delete(id string, force bool) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		var ne *state.ErrNotExist
		if errors.As(err, &ne) {
			if removed, rerr := r.Store.RemoveOrphan(id); removed || rerr != nil {
				return rerr
			}
		}
		var ce *state.ErrCorrupt
		if force && errors.As(err, &ce) {
			// Its processes and cgroups cannot be known from a corrupt
			// file; say so, and free the id.
			slog.Warn("delete --force: removing container with corrupt state; its processes and cgroups, if any, are left", "id", id, "error", err)
			return r.Store.RemoveCorrupt(id)
		}
		return err
	}
	defer lock.Unlock()
	st := r.StatusOf(c)
	switch {
	case c.Pid == 0:
		// A create that died before its init was recorded: whatever it
		// started sits in the cgroup.
		r.killAll(c)
	case st == specs.StateStopped:
	default:
		if !force {
			return fmt.Errorf("cannot delete container %q: it is %s (stop it first or use --force)", id, st)
		}
		r.killAll(c)
	}
	return r.destroy(c)
}

// killAll SIGKILLs the init and, without a private pid namespace (where the
// kernel would do it), every other process of the container; then waits for
// the init to be gone.
func (r *Runtime) killAll(c *state.Container) {
	if !hasNewPidNS(c.Config) || c.Pid == 0 {
		r.signalAll(c, unix.SIGKILL)
	} else if m := r.cgroupOf(c); m != nil {
		if p, _ := m.Paused(); p {
			m.Thaw()
		}
	}
	if procfs.Alive(c.Pid, c.PidStartTime) {
		unix.Kill(c.Pid, unix.SIGKILL)
	}
	procfs.WaitGone(c.Pid, c.PidStartTime, 10*time.Second)
}

func hasNewPidNS(s *specs.Spec) bool {
	if s == nil || s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.PIDNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// destroy removes what create made: cgroups hull created, then the state
// dir; poststop hooks run last (their failure is logged, as the spec says).
func (r *Runtime) destroy(c *state.Container) error {
	if m := r.cgroupOf(c); m != nil {
		var err error
		for i := 0; i < 50; i++ {
			if err = m.Destroy(); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("remove cgroups of %q: %w", c.ID, err)
		}
	}
	if err := c.IntelRdt.Destroy(); err != nil {
		return err
	}
	if err := r.Store.Remove(c.ID); err != nil {
		return err
	}
	if c.Config != nil && c.Config.Hooks != nil {
		if err := hooks.RunAll("poststop", c.Config.Hooks.Poststop, ociState(c, specs.StateStopped)); err != nil {
			slog.Warn(err.Error())
		}
	}
	return nil
}
