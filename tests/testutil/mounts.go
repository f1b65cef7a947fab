package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// mountsUnder lists mount points in this process' mount namespace at or
// below dir, deepest first. The runtime is our child and the harness runs in
// a private mount namespace, so any mount the runtime forgot to confine to the
// container's own namespace shows up here.
func mountsUnder(dir string) ([]string, error) {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	ms, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Mountpoint)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// removeAllSafe detaches every mount below dir before removing it: a leaked
// bind mount of a host directory under a bundle would otherwise let RemoveAll
// delete host files through it.
func removeAllSafe(dir string) error {
	for i := 0; i < 8; i++ {
		ms, err := mountsUnder(dir)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return os.RemoveAll(dir)
		}
		for _, m := range ms {
			_ = unix.Unmount(m, unix.MNT_DETACH)
		}
	}
	return fmt.Errorf("mounts keep reappearing under %s; not removing it", dir)
}

// Mounts returns the parsed mount table of the process with the given pid
// (0 for self), e.g. to inspect a container's mounts from the host.
func Mounts(pid int) ([]*mountinfo.Info, error) {
	if pid == 0 {
		return mountinfo.GetMounts(nil)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return nil, fmt.Errorf("open mountinfo of %d: %w", pid, err)
	}
	defer f.Close()
	ms, err := mountinfo.GetMountsFromReader(f, nil)
	if err != nil {
		return nil, fmt.Errorf("parse mountinfo of %d: %w", pid, err)
	}
	return ms, nil
}
