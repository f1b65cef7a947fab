// Package clients runs hull under the programs that really call OCI
// runtimes: podman (through conmon) and containerd (through ctr and the
// io.containerd.runc.v2 shim). Every test uses private configuration, state,
// storage and sockets, stops the daemons it started by PID, and checks that
// nothing is left behind: no hull state, cgroup, mount or process.
//
// The tests need root, podman+conmon and containerd+ctr; they skip with a
// reason when a client is missing. Run them with `make test-clients`.
package clients
