package initproc

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/procattr"
	"github.com/hull-runtime/hull/internal/syncproto"
)

// applyProcessAttrs sets the attributes that need the init's full
// privileges (an RT I/O class or a FIFO scheduler needs CAP_SYS_ADMIN or
// CAP_SYS_NICE), for an init and an exec alike.
func applyProcessAttrs(cfg *Config) error {
	s := cfg.Spec
	p := s.Process
	if s.Linux != nil {
		if err := procattr.MemoryPolicy(s.Linux.MemoryPolicy); err != nil {
			return err
		}
		if err := procattr.Personality(s.Linux.Personality); err != nil {
			return err
		}
	}
	if err := procattr.IOPriority(p.IOPriority); err != nil {
		return err
	}
	if err := procattr.Scheduler(p.Scheduler); err != nil {
		return err
	}
	if p.ApparmorProfile != "" {
		// Takes effect at execve (attr/exec).
		if err := procattr.AppArmor(p.ApparmorProfile); err != nil {
			return err
		}
	}
	return nil
}

// loadSeccomp installs linux.seccomp. It runs before Ready, while hull
// still holds CAP_SYS_ADMIN (needed without no_new_privs) and while the
// parent can still pass a notify fd to listenerPath. no_new_privs is set
// first when asked (it does not hinder the setuid that follows). The rest
// of the init (exec fifo, setuid, capset, execve) runs under the filter, as
// runc's does.
func loadSeccomp(conn *syncproto.Conn, cfg *Config) error {
	s := cfg.Spec
	if s.Process.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	}
	if s.Linux == nil || s.Linux.Seccomp == nil {
		return nil
	}
	// The parent compiled it (process.Start): a config without the
	// program is a protocol error, not a reason to run unfiltered.
	f := cfg.Seccomp
	if f == nil {
		return errors.New("linux.seccomp: the init config carries no compiled filter")
	}
	fd, err := f.Load()
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	if fd != nil {
		defer fd.Close()
		if err := conn.SendFile(syncproto.SeccompFd, fd); err != nil {
			return err
		}
		if _, err := conn.Expect(syncproto.SeccompFdDone); err != nil {
			return err
		}
	}
	return nil
}
