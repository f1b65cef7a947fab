package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// innerEnv marks the re-executed bench process that runs inside its own
// mount namespace.
const innerEnv = "HULLBENCH_INNER"

// reexecInPrivateNS runs this program again in a new mount namespace and
// returns its exit code. The bench mounts (the crun workaround below) and
// whatever mounts a runtime leaks on failure then die with that namespace
// instead of reaching the host.
func reexecInPrivateNS() (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 1, fmt.Errorf("find own binary: %w", err)
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), innerEnv+"=1")
	cmd.SysProcAttr = &unix.SysProcAttr{Unshareflags: unix.CLONE_NEWNS}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		return 1, fmt.Errorf("re-exec in a private mount namespace: %w", err)
	}
	return 0, nil
}

// prepareNS runs first in the inner process: no mount propagates back to
// the host, and we become the child subreaper so that container inits
// orphaned by `create` are re-parented to us and their CPU time can be
// collected with wait4 (see reapInit).
func prepareNS(hideUnifiedControllers bool, scratch string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / rprivate: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	if hideUnifiedControllers {
		return hideControllers(scratch)
	}
	return nil
}

// hideControllers works around crun 1.8.1 on this hybrid host: systemd's
// cgroup2 mount at /sys/fs/cgroup/unified lists hugetlb in
// cgroup.controllers, and crun then treats hugetlb as a v2 controller and
// fails. An empty file bind-mounted over it (in our private namespace only)
// makes crun take the plain v1 path. runc and hull never read that file on
// a hybrid host, so they see no difference.
func hideControllers(scratch string) error {
	target := "/sys/fs/cgroup/unified/cgroup.controllers"
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(target), &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil // not a hybrid host: nothing to hide
	}
	empty := filepath.Join(scratch, "empty-controllers")
	if err := os.WriteFile(empty, nil, 0o444); err != nil {
		return fmt.Errorf("write %s: %w", empty, err)
	}
	if err := unix.Mount(empty, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s over %s: %w", empty, target, err)
	}
	return nil
}
