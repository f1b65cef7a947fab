package container

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups"
	"github.com/hull-runtime/hull/internal/cgroups/stats"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/state"
)

// oomPoll is how often the event stream looks at the OOM counters and at
// whether the container still lives. The counters only grow, so a poll
// misses no kill; it only delays the event by up to this much.
var oomPoll = 100 * time.Millisecond

// eventSource opens a non-stopped container's cgroup for events. No lock
// is held afterwards: a stream may run for days and must not block kill or
// delete.
func (r *Runtime) eventSource(id string) (*state.Container, cgroups.Manager, error) {
	c, lock, err := r.Store.Open(id)
	if err != nil {
		return nil, nil, err
	}
	defer lock.Unlock()
	if st := r.StatusOf(c); st == specs.StateStopped {
		return nil, nil, fmt.Errorf("container %q is not running", id)
	}
	m := r.cgroupOf(c)
	if m == nil {
		return nil, nil, fmt.Errorf("container %q has no cgroup: no stats or oom events", id)
	}
	return c, m, nil
}

// StatsEvent returns one {"type":"stats"} event (`events --stats`).
func (r *Runtime) StatsEvent(id string) (*stats.Event, error) {
	_, m, err := r.eventSource(id)
	if err != nil {
		return nil, err
	}
	s, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %q: %w", id, err)
	}
	return &stats.Event{Type: "stats", ID: id, Data: s}, nil
}

// Events streams runc's event lines to out: a stats event every interval,
// and an {"type":"oom"} event as soon as (within oomPoll) the container's
// OOM-kill counter grows or, with the OOM killer disabled, it starts waiting
// on its memory limit. It ends when ctx is cancelled or the container's init
// has exited (after reporting an OOM that killed it).
func (r *Runtime) Events(ctx context.Context, id string, interval time.Duration, out io.Writer) error {
	if interval <= 0 {
		return fmt.Errorf("events: --interval must be positive, got %s", interval)
	}
	c, m, err := r.eventSource(id)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	emit := func(ev *stats.Event) error {
		if err := enc.Encode(ev); err != nil {
			return fmt.Errorf("events: write: %w", err)
		}
		return nil
	}
	last, err := m.OOM()
	if err != nil {
		slog.Warn("events: " + err.Error())
	}
	checkOOM := func() error {
		cur, err := m.OOM()
		if err != nil {
			return nil // the cgroup may be going away with the container
		}
		fired := cur.Kills > last.Kills || cur.Events > last.Events || (cur.UnderOOM && !last.UnderOOM)
		last = cur
		if fired {
			return emit(&stats.Event{Type: "oom", ID: id})
		}
		return nil
	}
	statsTick := time.NewTicker(interval)
	defer statsTick.Stop()
	poll := time.NewTicker(oomPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			if err := checkOOM(); err != nil {
				return err
			}
			if !procfs.Alive(c.Pid, c.PidStartTime) {
				return nil
			}
		case <-statsTick.C:
			s, err := m.Stats()
			if err != nil {
				// As runc: a failed read is logged and the stream goes on.
				slog.Warn(fmt.Sprintf("events: stats of container %q: %v", id, err))
				continue
			}
			if err := emit(&stats.Event{Type: "stats", ID: id, Data: s}); err != nil {
				return err
			}
		}
	}
}
