package container

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/state"
)

// WrongStatus is an operation refused in the container's current status.
type WrongStatus struct {
	Op     string
	ID     string
	Status Status
}

func (e *WrongStatus) Error() string {
	return fmt.Sprintf("cannot %s container %q: it is %s", e.Op, e.ID, e.Status)
}

// Start lets a created container's init exec the user's program.
func (r *Runtime) Start(id string) error {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if st := r.StatusOf(c); st != specs.StateCreated {
		return &WrongStatus{Op: "start", ID: id, Status: st}
	}
	return r.start(c)
}

func (r *Runtime) start(c *state.Container) error {
	fifo := filepath.Join(r.Store.Dir(c.ID), state.FifoName)
	// Non-blocking open of the read end: the init's blocking open for
	// writing returns as soon as a reader exists. Then wait for its byte
	// while watching that the init is still alive.
	fd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo of %s: %w", c.ID, err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 100)
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("wait for init of %s: %w", c.ID, err)
		}
		if n > 0 {
			if k, _ := unix.Read(fd, buf); k == 1 {
				break
			}
		}
		if !procfs.Alive(c.Pid, c.PidStartTime) {
			return fmt.Errorf("container %q: init process %d exited before start", c.ID, c.Pid)
		}
	}
	if err := os.Remove(fifo); err != nil {
		return fmt.Errorf("remove exec fifo of %s: %w", c.ID, err)
	}
	// Wait for the hang-up: the init closes its end at execve of the
	// user's program.
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: 0}}
		n, err := unix.Poll(pfd, 100)
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("wait for the program of %s: %w", c.ID, err)
		}
		if n > 0 && pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			break
		}
		if !procfs.Alive(c.Pid, c.PidStartTime) {
			break
		}
	}
	if c.Config != nil && c.Config.Hooks != nil {
		// A failing poststart hook is logged; the container stays running
		// (runtime.md: "the runtime MUST log a warning").
		if err := hooks.RunAll("poststart", c.Config.Hooks.Poststart, ociState(c, specs.StateRunning)); err != nil {
			slog.Warn(err.Error())
		}
	}
	return nil
}
