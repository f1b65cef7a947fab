package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SendNotify hands the seccomp listener fd to the agent listening on
// listenerPath (linux.seccomp.listenerPath): one message on a SOCK_STREAM
// unix socket whose data is the JSON specs.ContainerProcessState and whose
// SCM_RIGHTS carries fd, as the spec's "seccomp notify" section and runc do.
//
// The caller fills st.Pid, st.State and st.Metadata (listenerMetadata);
// SendNotify sets st.Version when empty and st.Fds to ["seccompFd"], the name
// of the one fd it sends. It does not close fd. Call it where listenerPath
// resolves: in the runtime on the host, not inside the container's mount
// namespace.
func SendNotify(listenerPath string, st *specs.ContainerProcessState, fd *os.File) error {
	if st == nil || fd == nil {
		return fmt.Errorf("send seccomp notify fd to %s: missing state or fd", listenerPath)
	}
	msg := *st
	if msg.Version == "" {
		msg.Version = specs.Version
	}
	msg.Fds = []string{"seccompFd"}
	data, err := json.Marshal(&msg)
	if err != nil {
		return fmt.Errorf("encode seccomp notify state: %w", err)
	}
	// A raw socket, not package net: importing net costs every hull process
	// its package initialisation.
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("connect to seccomp agent %s: %w", listenerPath, err)
	}
	defer unix.Close(sock)
	if err := unix.Connect(sock, &unix.SockaddrUnix{Name: listenerPath}); err != nil {
		return fmt.Errorf("connect to seccomp agent %s: %w", listenerPath, err)
	}
	oob := unix.UnixRights(int(fd.Fd()))
	n, err := unix.SendmsgN(sock, data, oob, nil, 0)
	runtime.KeepAlive(fd)
	if err != nil {
		return fmt.Errorf("send seccomp notify fd to %s: %w", listenerPath, err)
	}
	if n != len(data) {
		return fmt.Errorf("send seccomp notify fd to %s: short write (%d/%d bytes)", listenerPath, n, len(data))
	}
	return nil
}
