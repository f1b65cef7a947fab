package procattr

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Execution domains from linux/personality.h.
const (
	perLinux   = 0x0000
	perLinux32 = 0x0008
)

// Personality sets linux.personality. The spec defines no flags yet; like
// runc, hull ignores linux.personality.flags (the caller may warn about them).
// The domain survives execve, so LINUX32 makes uname(2) report i686 to the
// container on x86_64.
func Personality(p *specs.LinuxPersonality) error {
	if p == nil {
		return nil
	}
	var domain uintptr
	switch p.Domain {
	case specs.PerLinux:
		domain = perLinux
	case specs.PerLinux32:
		domain = perLinux32
	default:
		return fmt.Errorf("linux.personality.domain: unknown domain %q (want LINUX or LINUX32)", p.Domain)
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, domain, 0, 0); errno != 0 {
		return fmt.Errorf("linux.personality: personality(%#x): %w", domain, errno)
	}
	return nil
}
