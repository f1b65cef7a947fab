// Package container is hull's container lifecycle: create, start, run,
// kill, delete, state, list, ps, on top of the state store.
package container

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hull-runtime/hull/internal/cgroups"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status is an OCI status.
type Status = specs.ContainerState

// Runtime is hull's global configuration (the global flags).
type Runtime struct {
	Store          state.Store
	SystemdCgroup  bool
	CgroupDisabled bool // --cgroup-manager disabled
	Rootless       bool

	passwd map[int]string // uid -> user name, read once by userName
}

// StateJSON is what `hull state` prints: the OCI state plus runc's extras.
type StateJSON struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// StatusOf derives the status from the living system, never from a stored
// word: the init's identity (pid + start time), the exec fifo, the freezer.
func (r *Runtime) StatusOf(c *state.Container) Status {
	if !procfs.Alive(c.Pid, c.PidStartTime) {
		return specs.StateStopped
	}
	if _, err := os.Lstat(filepath.Join(r.Store.Dir(c.ID), state.FifoName)); err == nil {
		return specs.StateCreated
	}
	if m := r.cgroupOf(c); m != nil {
		// An unavailable freezer reports false: a running container never
		// looks stopped or paused because of it.
		if p, err := m.Paused(); err == nil && p {
			return StatePaused
		}
	}
	return specs.StateRunning
}

func (r *Runtime) cgroupOf(c *state.Container) cgroups.Manager {
	if len(c.Cgroup) == 0 {
		return nil
	}
	var st cgroups.State
	if err := st.UnmarshalJSON(c.Cgroup); err != nil {
		return nil
	}
	m, err := cgroups.Load(st)
	if err != nil {
		return nil
	}
	return m
}

// JSON returns the state document for c.
func (r *Runtime) JSON(c *state.Container) StateJSON {
	st := r.StatusOf(c)
	pid := c.Pid
	if st == specs.StateStopped {
		pid = 0
	}
	return StateJSON{
		OCIVersion:  specs.Version,
		ID:          c.ID,
		Pid:         pid,
		Status:      st,
		Bundle:      c.Bundle,
		Rootfs:      c.Rootfs,
		Created:     c.Created,
		Owner:       r.owner(c),
		Annotations: c.Annotations,
	}
}

// owner is the user who owns the container's state directory, as runc's
// list shows it. State files written before hull computed it here carry it.
// Looked up when shown, not at create: reading /etc/passwd cost every
// create about 10 syscalls and 40 allocations.
func (r *Runtime) owner(c *state.Container) string {
	if c.Owner != "" {
		return c.Owner
	}
	var st unix.Stat_t
	if err := unix.Stat(r.Store.Dir(c.ID), &st); err != nil {
		return ""
	}
	return r.userName(int(st.Uid))
}

// userName maps uid to a name from /etc/passwd (no NSS: a static hull stays
// static), "#uid" when it has none; one read per command.
func (r *Runtime) userName(uid int) string {
	if r.passwd == nil {
		r.passwd = map[int]string{}
		if b, err := rawfile.ReadFile("/etc/passwd"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.SplitN(line, ":", 4)
				if len(f) < 4 {
					continue
				}
				if id, err := strconv.Atoi(f[2]); err == nil {
					if _, dup := r.passwd[id]; !dup {
						r.passwd[id] = f[0]
					}
				}
			}
		}
	}
	if name, ok := r.passwd[uid]; ok {
		return name
	}
	return "#" + strconv.Itoa(uid)
}

// State returns the state document of one container.
func (r *Runtime) State(id string) (*StateJSON, error) {
	c, err := r.Store.Read(id)
	if err != nil {
		return nil, err
	}
	j := r.JSON(c)
	return &j, nil
}

// List returns the state of every container.
func (r *Runtime) List() ([]StateJSON, error) {
	ids, err := r.Store.List()
	if err != nil {
		return nil, err
	}
	out := []StateJSON{}
	for _, id := range ids {
		c, err := r.Store.Read(id)
		if err != nil {
			var ne *state.ErrNotExist
			if !errors.As(err, &ne) {
				// One broken state file must not hide the others.
				slog.Warn("list: skipping container", "id", id, "error", err)
			}
			continue
		}
		out = append(out, r.JSON(c))
	}
	return out, nil
}

func ociState(c *state.Container, st Status) *specs.State {
	pid := c.Pid
	if st == specs.StateStopped {
		pid = 0
	}
	return &specs.State{Version: specs.Version, ID: c.ID, Status: st, Pid: pid, Bundle: c.Bundle, Annotations: c.Annotations}
}

// StatePaused is runc's status for a frozen container (not an OCI status).
const StatePaused Status = "paused"

// sealedLowerDir is an empty directory under --root that the sealed init
// binary's overlay uses as its second layer (process.InitBinary). '@' keeps
// it out of the container id space, so list never shows it.
func (r *Runtime) sealedLowerDir() string {
	return filepath.Join(r.Store.Root, "@exe-lower")
}

// seccompCacheDir holds compiled linux.seccomp programs (seccomp.Cache).
// '@' keeps it out of `hull list`, as for sealedLowerDir.
func (r *Runtime) seccompCacheDir() string {
	return filepath.Join(r.Store.Root, "@seccomp-cache")
}
