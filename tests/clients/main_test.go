package clients

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// envOwnNS marks the test binary once it runs in a mount namespace of its
// own (not merely the one `make test` shares between all test packages).
const envOwnNS = "HULL_CLIENTS_OWN_MNTNS"

func TestMain(m *testing.M) {
	if os.Geteuid() == 0 {
		if os.Getenv(envOwnNS) == "" {
			reexecInOwnNS()
		}
		if err := privateRun(); err != nil {
			fmt.Fprintf(os.Stderr, "clients: %v\n", err)
			os.Exit(1)
		}
	}
	testutil.Main(m)
}

// reexecInOwnNS replaces the test binary with itself under
// `unshare --mount --propagation private`, so the tmpfs privateRun mounts
// on /run is seen by this package only.
func reexecInOwnNS() {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		fmt.Fprintf(os.Stderr, "clients: unshare(1) not found: %v\n", err)
		os.Exit(1)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "clients: find test binary: %v\n", err)
		os.Exit(1)
	}
	args := append([]string{"unshare", "--mount", "--propagation", "private", "--", exe}, os.Args[1:]...)
	env := append(os.Environ(), envOwnNS+"=1")
	err = syscall.Exec(unshare, args, env)
	fmt.Fprintf(os.Stderr, "clients: re-exec under unshare: %v\n", err)
	os.Exit(1)
}

// privateRun mounts an empty tmpfs on /run. The clients put state there that
// no flag relocates: conmon's final `delete --force` and every podman call
// use hull's default --root /run/hull; containerd's shim uses
// /run/containerd/runc/<ns> (its runtime options, which could move it, are
// dropped for user-namespaced containers by the containerd 1.6 bug) and
// shim sockets in /run/containerd/s. A private /run keeps all of it off the
// host and lets the tests see exactly what a client left there.
func privateRun() error {
	self, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return fmt.Errorf("read own mount namespace: %w", err)
	}
	// Our parent (go test, or the shell) must be in another mount
	// namespace; pid 1's may be unreadable in a sandbox, but if readable it
	// must differ too.
	parent, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", os.Getppid()))
	if err != nil {
		return fmt.Errorf("refusing to mount on /run: cannot read the parent's mount namespace: %w", err)
	}
	init, initErr := os.Readlink("/proc/1/ns/mnt")
	if parent == self || (initErr == nil && init == self) {
		return fmt.Errorf("refusing to mount on /run: mount namespace %s is not ours alone", self)
	}
	if err := unix.Mount("tmpfs", "/run", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on /run: %w", err)
	}
	if err := os.Mkdir("/run/lock", 0o1777); err != nil {
		return fmt.Errorf("mkdir /run/lock: %w", err)
	}
	if err := os.Chmod("/run/lock", 0o1777); err != nil {
		return fmt.Errorf("chmod /run/lock: %w", err)
	}
	if err := os.Symlink("/dev/shm", "/run/shm"); err != nil {
		return fmt.Errorf("symlink /run/shm: %w", err)
	}
	return nil
}
