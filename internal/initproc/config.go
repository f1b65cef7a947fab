// Package initproc is everything that runs inside the new container: the Go
// half of the container's init (after the C constructor in internal/nsenter
// has put the process into its namespaces) up to execve of the user's
// program. It runs on one locked OS thread: capabilities, the bounding set
// and no_new_privs are per-thread, and execve must come from the thread that
// carries them.
package initproc

import (
	"encoding/base64"
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/specjson"
)

// EnvSyncFd names the environment variable that carries the sync socket's
// fd number; the C constructor reads it too.
const EnvSyncFd = "_HULL_SYNC_FD"

// Config is the InitConfig message: what the parent tells the init.
type Config struct {
	ID           string            `json:"id"`
	Bundle       string            `json:"bundle"`
	Rootfs       string            `json:"rootfs"`
	Spec         *specs.Spec       `json:"spec"`
	NoPivot      bool              `json:"no_pivot,omitempty"`
	NoNewKeyring bool              `json:"no_new_keyring,omitempty"`
	UserNS       bool              `json:"user_ns,omitempty"` // the container is in a non-initial user namespace
	NewMountNS   bool              `json:"new_mount_ns,omitempty"`
	PreserveFds  int               `json:"preserve_fds,omitempty"`
	StateDirFd   int               `json:"state_dir_fd"`        // O_PATH fd of the state dir, for exec.fifo
	State        specs.State       `json:"state"`               // for createContainer and startContainer hooks
	MountFds     []int             `json:"mount_fds,omitempty"` // see rootfs.Config.SourceFds
	AppArmor     bool              `json:"apparmor,omitempty"`  // the host runs AppArmor (seen by the parent)
	Exec         bool              `json:"exec,omitempty"`      // a process joining a running container
	StartNow     bool              `json:"start_now,omitempty"` // `start` follows at once (run): no stub
	Annotations  map[string]string `json:"annotations,omitempty"`
	// Seccomp is linux.seccomp compiled by the parent (through its cache),
	// as base64 of seccomp.Filter's binary form; the init only loads it.
	Seccomp *seccomp.Filter `json:"seccomp,omitempty"`

	// prepared is the program to exec once prepareExec made the process
	// the user's (the stub path did, and the stub could not start).
	prepared string
}

// The init config is encoded by hand with internal/specjson's generated
// codec for the spec and its reader for the rest: encoding/json's reflection
// over the spec's types cost about 0.7 ms in each of hull and its init, and
// over this struct itself still 0.2 ms.

// MarshalJSON implements json.Marshaler.
func (c *Config) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 4096)
	b = append(b, `{"id":`...)
	b = specjson.AppendString(b, c.ID)
	b = append(b, `,"bundle":`...)
	b = specjson.AppendString(b, c.Bundle)
	b = append(b, `,"rootfs":`...)
	b = specjson.AppendString(b, c.Rootfs)
	b = append(b, `,"spec":`...)
	b = specjson.AppendSpec(b, c.Spec) // null for nil
	b = specjson.AppendFlags(b, specjson.Flag{Key: "no_pivot", On: c.NoPivot},
		specjson.Flag{Key: "no_new_keyring", On: c.NoNewKeyring}, specjson.Flag{Key: "user_ns", On: c.UserNS},
		specjson.Flag{Key: "new_mount_ns", On: c.NewMountNS}, specjson.Flag{Key: "apparmor", On: c.AppArmor},
		specjson.Flag{Key: "exec", On: c.Exec}, specjson.Flag{Key: "start_now", On: c.StartNow})
	b = append(b, `,"preserve_fds":`...)
	b = strconv.AppendInt(b, int64(c.PreserveFds), 10)
	b = append(b, `,"state_dir_fd":`...)
	b = strconv.AppendInt(b, int64(c.StateDirFd), 10)
	b = append(b, `,"state":`...)
	b = specjson.AppendState(b, &c.State)
	b = append(b, `,"mount_fds":[`...)
	for i, fd := range c.MountFds {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(fd), 10)
	}
	b = append(b, `],"annotations":`...)
	b = specjson.AppendStringMap(b, c.Annotations)
	if c.Seccomp != nil {
		raw, err := c.Seccomp.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = append(b, `,"seccomp":"`...)
		b = base64.StdEncoding.AppendEncode(b, raw)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (c *Config) UnmarshalJSON(data []byte) error {
	d := specjson.NewDecoder(data)
	err := d.ReadObject(func(key []byte) error {
		if d.ReadNull() {
			return nil
		}
		var err error
		switch string(key) {
		case "id":
			c.ID, err = d.ReadString()
		case "bundle":
			c.Bundle, err = d.ReadString()
		case "rootfs":
			c.Rootfs, err = d.ReadString()
		case "spec":
			c.Spec = new(specs.Spec)
			err = specjson.DecodeSpec(d, c.Spec)
		case "no_pivot":
			c.NoPivot, err = d.ReadBool()
		case "no_new_keyring":
			c.NoNewKeyring, err = d.ReadBool()
		case "user_ns":
			c.UserNS, err = d.ReadBool()
		case "new_mount_ns":
			c.NewMountNS, err = d.ReadBool()
		case "apparmor":
			c.AppArmor, err = d.ReadBool()
		case "exec":
			c.Exec, err = d.ReadBool()
		case "start_now":
			c.StartNow, err = d.ReadBool()
		case "preserve_fds":
			c.PreserveFds, err = readInt(d)
		case "state_dir_fd":
			c.StateDirFd, err = readInt(d)
		case "state":
			err = specjson.DecodeState(d, &c.State)
		case "mount_fds":
			err = d.ReadArray(func() error {
				fd, err := readInt(d)
				c.MountFds = append(c.MountFds, fd)
				return err
			})
		case "annotations":
			c.Annotations, err = d.ReadStringMap()
		case "seccomp":
			var enc string
			var raw []byte
			if enc, err = d.ReadString(); err == nil {
				if raw, err = base64.StdEncoding.DecodeString(enc); err == nil {
					c.Seccomp, err = seccomp.UnmarshalFilter(raw)
				}
			}
		default:
			err = d.Skip()
		}
		return err
	})
	if err == nil {
		err = d.Finish()
	}
	if err != nil {
		return fmt.Errorf("init config: %w", err)
	}
	return nil
}

func readInt(d *specjson.Decoder) (int, error) {
	n, err := d.ReadInt()
	return int(n), err
}
