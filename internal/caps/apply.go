package caps

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// DropBounding removes from the calling thread's bounding set every capability
// not listed in c.Bounding (nil c: all of them). PR_CAPBSET_DROP needs
// CAP_SETPCAP in the effective set, so call it while still uid 0, before the
// user switch clears the effective set.
func DropBounding(c *specs.LinuxCapabilities) error {
	last := lastCap()
	var keep uint64
	if c != nil {
		keep = mask(c.Bounding, last)
	}
	for n := 0; n <= last; n++ {
		if keep&(1<<uint(n)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			// EINVAL means the kernel does not know this number; nothing to drop.
			if err == unix.EINVAL {
				continue
			}
			return fmt.Errorf("prctl(PR_CAPBSET_DROP, %d): %w", n, err)
		}
	}
	return nil
}

// Apply sets the calling thread's effective, permitted and inheritable sets
// with one capset (version 3, 64-bit masks) and then rebuilds the ambient set.
// It is meant to run after the caller's setresuid under PR_SET_KEEPCAPS: the
// uid change cleared the effective set but kept the permitted one, so a
// non-root user still gets exactly the listed capabilities. Nil c means no
// capabilities at all, as in runc. Names the kernel lacks are skipped.
func Apply(c *specs.LinuxCapabilities) error {
	last := lastCap()
	var eff, prm, inh, amb uint64
	if c != nil {
		eff = mask(c.Effective, last)
		prm = mask(c.Permitted, last)
		inh = mask(c.Inheritable, last)
		amb = mask(c.Ambient, last)
	}
	if err := capset(eff, prm, inh); err != nil {
		return err
	}
	// The ambient set survives execve for non-privileged programs (Linux 4.3+).
	// Start from empty so nothing inherited from the runtime leaks in.
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		if err == unix.EINVAL {
			// Kernel older than 4.3: there is no ambient set; runc runs there
			// too, without ambient capabilities.
			return nil
		}
		return fmt.Errorf("prctl(PR_CAP_AMBIENT_CLEAR_ALL): %w", err)
	}
	for n := 0; n <= last; n++ {
		if amb&(1<<uint(n)) == 0 {
			continue
		}
		err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0)
		// The kernel refuses (EPERM) to raise a capability that is not both
		// permitted and inheritable. runc only warns about that and starts the
		// container anyway, so configs that list ambient caps without the
		// matching inheritable ones keep working; do the same.
		if err != nil && err != unix.EPERM {
			return fmt.Errorf("prctl(PR_CAP_AMBIENT_RAISE, %s): %w", nameOf(n), err)
		}
	}
	return nil
}

// capset writes the three masks for the calling thread (pid 0 in the header).
func capset(eff, prm, inh uint64) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	// Version 3 takes two 32-bit data structs: low word first.
	data := [2]unix.CapUserData{
		{Effective: uint32(eff), Permitted: uint32(prm), Inheritable: uint32(inh)},
		{Effective: uint32(eff >> 32), Permitted: uint32(prm >> 32), Inheritable: uint32(inh >> 32)},
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset(effective=%#x, permitted=%#x, inheritable=%#x): %w", eff, prm, inh, err)
	}
	return nil
}

// nameOf returns the name of capability n, or its number when hull has none.
func nameOf(n int) string {
	for name, v := range known {
		if v == n {
			return name
		}
	}
	return fmt.Sprintf("capability %d", n)
}

// Masks returns what DropBounding and Apply would set, as bit masks for this
// kernel (effective, permitted, inheritable, ambient, bounding): for a
// process that hull's C constructor finishes itself (`hull exec`). Nil c
// means none at all, as in Apply.
func Masks(c *specs.LinuxCapabilities) (eff, prm, inh, amb, bnd uint64) {
	if c == nil {
		return 0, 0, 0, 0, 0
	}
	last := lastCap()
	return mask(c.Effective, last), mask(c.Permitted, last), mask(c.Inheritable, last),
		mask(c.Ambient, last), mask(c.Bounding, last)
}
