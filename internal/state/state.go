// Package state keeps one directory per container under hull's root:
//
//	<root>/<id>/state.json  what hull knows about the container (atomic: write + rename)
//	<root>/<id>/exec.fifo   exists from create until start (created vs running)
//
// Commands on one container serialise on an flock of its directory.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hull-runtime/hull/internal/intelrdt"
	"github.com/hull-runtime/hull/internal/rawfile"
	"github.com/hull-runtime/hull/internal/specjson"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Container is the persisted state of one container.
type Container struct {
	ID             string            `json:"id"`
	Bundle         string            `json:"bundle"`
	Rootfs         string            `json:"rootfs"`
	Pid            int               `json:"pid"`
	PidStartTime   uint64            `json:"pid_start_time"` // /proc/<pid>/stat field 22: guards against pid reuse
	Created        time.Time         `json:"created"`
	Owner          string            `json:"owner"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Config         *specs.Spec       `json:"config"`
	Cgroup         json.RawMessage   `json:"cgroup,omitempty"` // cgroups.State: what hull placed and created
	IntelRdt       *intelrdt.Group   `json:"intel_rdt,omitempty"`
	NoPivot        bool              `json:"no_pivot,omitempty"`
	NoNewKeyring   bool              `json:"no_new_keyring,omitempty"`
	Rootless       bool              `json:"rootless,omitempty"`
	SystemdCgroup  bool              `json:"systemd_cgroup,omitempty"`
	CgroupDisabled bool              `json:"cgroup_disabled,omitempty"`
}

const (
	stateFile = "state.json"
	// FifoName is the exec fifo the init blocks on until `start`.
	FifoName = "exec.fifo"
)

// validIDChar is runc's id alphabet, ^[\w+\-.]+$ (\w is ASCII [0-9A-Za-z_]),
// checked by hand: a package-level regexp is compiled at start-up by every
// hull process, the container's init included.
func validIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '+' || c == '-' || c == '.'
}

func validIDChars(id string) bool {
	for i := 0; i < len(id); i++ {
		if !validIDChar(id[i]) {
			return false
		}
	}
	return true
}

// state.json is encoded by hand, with internal/specjson's generated codec
// for the config: encoding/json's reflection over the spec's types cost every
// command that reads or writes state about 0.7 ms. Keys are encoding/json's
// for the struct tags above, so older state files read the same.

// MarshalJSON implements json.Marshaler.
func (c *Container) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 4096)
	b = append(b, `{"id":`...)
	b = specjson.AppendString(b, c.ID)
	b = append(b, `,"bundle":`...)
	b = specjson.AppendString(b, c.Bundle)
	b = append(b, `,"rootfs":`...)
	b = specjson.AppendString(b, c.Rootfs)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(c.Pid), 10)
	b = append(b, `,"pid_start_time":`...)
	b = strconv.AppendUint(b, c.PidStartTime, 10)
	created, err := c.Created.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("state of %s: created: %w", c.ID, err)
	}
	b = append(b, `,"created":`...)
	b = append(b, created...)
	b = append(b, `,"owner":`...)
	b = specjson.AppendString(b, c.Owner)
	if len(c.Annotations) > 0 {
		b = append(b, `,"annotations":`...)
		b = specjson.AppendStringMap(b, c.Annotations)
	}
	b = append(b, `,"config":`...)
	b = specjson.AppendSpec(b, c.Config) // null for nil
	if len(c.Cgroup) > 0 {
		b = append(b, `,"cgroup":`...)
		b = append(b, c.Cgroup...)
	}
	if c.IntelRdt != nil {
		g, err := json.Marshal(c.IntelRdt)
		if err != nil {
			return nil, fmt.Errorf("state of %s: intel_rdt: %w", c.ID, err)
		}
		b = append(b, `,"intel_rdt":`...)
		b = append(b, g...)
	}
	b = specjson.AppendFlags(b, specjson.Flag{Key: "no_pivot", On: c.NoPivot},
		specjson.Flag{Key: "no_new_keyring", On: c.NoNewKeyring}, specjson.Flag{Key: "rootless", On: c.Rootless},
		specjson.Flag{Key: "systemd_cgroup", On: c.SystemdCgroup}, specjson.Flag{Key: "cgroup_disabled", On: c.CgroupDisabled})
	return append(b, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Container) UnmarshalJSON(data []byte) error {
	d := specjson.NewDecoder(data)
	err := d.ReadObject(func(key []byte) error {
		if d.ReadNull() {
			return nil
		}
		var err error
		var n int64
		switch string(key) {
		case "id":
			c.ID, err = d.ReadString()
		case "bundle":
			c.Bundle, err = d.ReadString()
		case "rootfs":
			c.Rootfs, err = d.ReadString()
		case "pid":
			n, err = d.ReadInt()
			c.Pid = int(n)
		case "pid_start_time":
			c.PidStartTime, err = d.ReadUint()
		case "created":
			var raw []byte
			if raw, err = d.ReadRaw(); err == nil {
				err = c.Created.UnmarshalJSON(raw)
			}
		case "owner":
			c.Owner, err = d.ReadString()
		case "annotations":
			c.Annotations, err = d.ReadStringMap()
		case "config":
			c.Config = new(specs.Spec)
			err = specjson.DecodeSpec(d, c.Config)
		case "cgroup":
			var raw []byte
			raw, err = d.ReadRaw()
			c.Cgroup = append(json.RawMessage(nil), raw...)
		case "intel_rdt":
			var raw []byte
			if raw, err = d.ReadRaw(); err == nil {
				c.IntelRdt = new(intelrdt.Group)
				err = json.Unmarshal(raw, c.IntelRdt)
			}
		case "no_pivot":
			c.NoPivot, err = d.ReadBool()
		case "no_new_keyring":
			c.NoNewKeyring, err = d.ReadBool()
		case "rootless":
			c.Rootless, err = d.ReadBool()
		case "systemd_cgroup":
			c.SystemdCgroup, err = d.ReadBool()
		case "cgroup_disabled":
			c.CgroupDisabled, err = d.ReadBool()
		default:
			err = d.Skip()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	if err == nil {
		err = d.Finish()
	}
	return err
}

// ValidateID rejects ids that could escape the root or confuse a path.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("container id must not be empty")
	}
	if id == "." || id == ".." || !validIDChars(id) || len(id) > 1024 {
		return fmt.Errorf("invalid container id %q", id)
	}
	return nil
}

// ErrNotExist is returned for an unknown container id.
type ErrNotExist struct{ ID string }

func (e *ErrNotExist) Error() string { return fmt.Sprintf("container %q does not exist", e.ID) }

// ErrExist is returned when creating an id that is taken.
type ErrExist struct{ ID string }

func (e *ErrExist) Error() string { return fmt.Sprintf("container %q already exists", e.ID) }

// ErrCorrupt is a state.json that cannot be trusted.
type ErrCorrupt struct {
	Path string
	Err  error
}

func (e *ErrCorrupt) Error() string { return fmt.Sprintf("corrupt state %s: %v", e.Path, e.Err) }

// Store is hull's --root.
type Store struct{ Root string }

// Dir is the container's state directory.
func (s Store) Dir(id string) string { return filepath.Join(s.Root, id) }

// Lock is a held flock on a container directory.
type Lock struct{ fd int }

// Unlock releases the lock.
func (l *Lock) Unlock() {
	if l != nil && l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
	}
}

func lockDir(dir string) (*Lock, error) {
	fd, err := rawfile.OpenFd(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &Lock{fd: fd}, nil
}

// Create makes the container's directory and locks it. It fails with
// *ErrExist when the id is taken.
func (s Store) Create(id string) (*Lock, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Root, 0o711); err != nil {
		return nil, fmt.Errorf("create root %s: %w", s.Root, err)
	}
	dir := s.Dir(id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, &ErrExist{ID: id}
		}
		return nil, fmt.Errorf("create state dir %s: %w", dir, err)
	}
	l, err := lockDir(dir)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	return l, nil
}

// Open locks a container's directory and reads its state.
func (s Store) Open(id string) (*Container, *Lock, error) {
	if err := ValidateID(id); err != nil {
		return nil, nil, err
	}
	dir := s.Dir(id)
	l, err := lockDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, &ErrNotExist{ID: id}
		}
		return nil, nil, err
	}
	c, err := s.Read(id)
	if err != nil {
		l.Unlock()
		return nil, nil, err
	}
	return c, l, nil
}

// Read reads state.json without locking (list, state).
func (s Store) Read(id string) (*Container, error) {
	p := filepath.Join(s.Dir(id), stateFile)
	b, err := rawfile.ReadFile(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &ErrNotExist{ID: id}
		}
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var c Container
	if err := c.UnmarshalJSON(b); err != nil {
		return nil, &ErrCorrupt{Path: p, Err: err}
	}
	// The directory names the container: a state file claiming another id
	// (or none) must never steer a delete elsewhere.
	if c.ID != id {
		return nil, &ErrCorrupt{Path: p, Err: fmt.Errorf("id %q does not match its directory", c.ID)}
	}
	return &c, nil
}

// Write stores state.json atomically.
func (s Store) Write(c *Container) error {
	dir := s.Dir(c.ID)
	b, err := c.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", c.ID, err)
	}
	tmp, err := createTemp(dir, ".state-")
	if err != nil {
		return fmt.Errorf("write state of %s: %w", c.ID, err)
	}
	// No fsync: the root lives on tmpfs (/run) and a container does not
	// outlive a reboot; rename alone makes readers see old or new, whole.
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		unix.Unlink(tmp.Name())
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := unix.Rename(tmp.Name(), filepath.Join(dir, stateFile)); err != nil {
		unix.Unlink(tmp.Name())
		return fmt.Errorf("write state of %s: rename %s: %w", c.ID, tmp.Name(), err)
	}
	return nil
}

// createTemp creates dir/prefix<random>, as os.CreateTemp does (0600,
// O_EXCL, a new name while one exists), as a rawfile.FD.
func createTemp(dir, prefix string) (*rawfile.FD, error) {
	for try := 0; ; try++ {
		p := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := rawfile.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && try < 10000 {
			continue
		}
		return f, err
	}
}

// Remove deletes the container's directory.
func (s Store) Remove(id string) error {
	if err := removeDir(s.Dir(id)); err != nil {
		return fmt.Errorf("remove state of %s: %w", id, err)
	}
	return nil
}

// removeDir removes a state directory. It holds state.json, and exec.fifo
// until the container starts: those are unlinked and the directory removed
// in four syscalls. Anything else (a temporary state file a killed hull
// left) goes through os.RemoveAll, which costs a dozen more and the
// runtime's poller.
func removeDir(dir string) error {
	for _, name := range []string{stateFile, FifoName} {
		if err := unix.Unlink(filepath.Join(dir, name)); err != nil && err != unix.ENOENT {
			return os.RemoveAll(dir)
		}
	}
	switch err := unix.Rmdir(dir); err {
	case nil, unix.ENOENT:
		return nil
	default:
		return os.RemoveAll(dir)
	}
}

// List returns the ids under the root.
func (s Store) List() ([]string, error) {
	ents, err := os.ReadDir(s.Root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read root %s: %w", s.Root, err)
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// RemoveCorrupt removes a container directory whose state.json is corrupt,
// under its lock (delete --force: nothing else can be done with it).
func (s Store) RemoveCorrupt(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	l, err := lockDir(s.Dir(id))
	if err != nil {
		return err
	}
	defer l.Unlock()
	return s.Remove(id)
}

// RemoveOrphan removes a container directory that has no state.json and
// whose lock nobody holds: what a `hull create` killed before its first
// state write leaves. It reports whether it removed anything.
func (s Store) RemoveOrphan(id string) (bool, error) {
	if err := ValidateID(id); err != nil {
		return false, err
	}
	dir := s.Dir(id)
	fd, err := rawfile.OpenFd(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return false, nil
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return false, nil // a create is still running
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		return false, nil
	}
	return true, s.Remove(id)
}
