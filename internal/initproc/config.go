// Package initproc is everything that runs inside the new container: the Go
// half of the container's init (after the C constructor in internal/nsenter
// has put the process into its namespaces) up to execve of the user's
// program. It runs on one locked OS thread: capabilities, the bounding set
// and no_new_privs are per-thread, and execve must come from the thread that
// carries them.
package initproc

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
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
	Annotations  map[string]string `json:"annotations,omitempty"`

	// prepared is the program to exec once prepareExec made the process
	// the user's (the stub path did, and the stub could not start).
	prepared string
}
