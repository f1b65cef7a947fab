package procattr

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/hull-runtime/hull/internal/procfs"
	"golang.org/x/sys/unix"
)

var (
	apparmorOnce    sync.Once
	apparmorEnabled bool
)

// AppArmorEnabled reports whether the host runs AppArmor: securityfs shows it
// and the module says it is enabled. The answer is computed once and cached,
// so call it before pivot_root (after it, /sys is the container's).
func AppArmorEnabled() bool {
	apparmorOnce.Do(func() {
		if _, err := os.Stat("/sys/kernel/security/apparmor"); err != nil {
			return
		}
		b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
		apparmorEnabled = err == nil && len(b) > 0 && b[0] == 'Y'
	})
	return apparmorEnabled
}

// SetAppArmorEnabled seeds AppArmorEnabled's answer with one found on the
// host by the parent: a container init (after pivot_root) or an exec (in
// the container's mount namespace from the start) cannot see the host's
// securityfs.
func SetAppArmorEnabled(v bool) {
	apparmorOnce.Do(func() { apparmorEnabled = v })
}

// AppArmor asks the kernel to switch the calling thread to profile at its next
// execve ("exec <profile>" into attr/exec, what aa_change_onexec(3) does). An
// empty profile is a no-op. It fails when AppArmorEnabled is false.
//
// The write goes through a verified procfs handle and the thread's own
// /proc/<pid>/task/<tid> path: a container that mounts over /proc, or over
// /proc/self/attr, must not be able to turn it into a write elsewhere or a
// silent no-op (CVE-2019-16884).
func AppArmor(profile string) error {
	if profile == "" {
		return nil
	}
	// Checked first: on an SELinux host the shared attr/exec belongs to
	// SELinux, and "exec <profile>" must not be written there.
	if !AppArmorEnabled() {
		return fmt.Errorf("process.apparmorProfile %q: AppArmor is not enabled on this host", profile)
	}
	h, err := procfs.Open("/proc")
	if err != nil {
		return fmt.Errorf("process.apparmorProfile %q: %w", profile, err)
	}
	defer h.Close()
	task := strconv.Itoa(os.Getpid()) + "/task/" + strconv.Itoa(unix.Gettid()) + "/attr/"
	data := []byte("exec " + profile)
	// attr/apparmor/exec is the LSM-stacking-safe file (Linux 5.8); older
	// kernels only have the shared attr/exec.
	err = h.WriteFile(task+"apparmor/exec", data)
	if errors.Is(err, unix.ENOENT) {
		err = h.WriteFile(task+"exec", data)
	}
	if err != nil {
		return fmt.Errorf("process.apparmorProfile %q: %w", profile, err)
	}
	return nil
}
