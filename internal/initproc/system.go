package initproc

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/console"
	"github.com/hull-runtime/hull/internal/procfs"
	"github.com/hull-runtime/hull/internal/rootfs"
	"github.com/hull-runtime/hull/internal/spec"
	"github.com/hull-runtime/hull/internal/syncproto"
)

// setupTerminal gives the process a pty from the container's own devpts
// and sends the master to the parent, which hands it to --console-socket or
// to the attached `run`/`exec`. The slave is opened from the master
// (TIOCGPTPEER), never by a /dev/pts/N path the container could redirect;
// an init also binds it onto /dev/console (CVE-2025-52565 guards in rootfs).
func setupTerminal(conn *syncproto.Conn, s *specs.Spec, isInit bool) error {
	if !s.Process.Terminal {
		return nil
	}
	master, _, err := console.OpenPty("/dev/ptmx")
	if err != nil {
		return fmt.Errorf("process.terminal: %w", err)
	}
	defer master.Close()
	if s.Process.ConsoleSize != nil {
		ws := &unix.Winsize{Row: uint16(s.Process.ConsoleSize.Height), Col: uint16(s.Process.ConsoleSize.Width)}
		if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws); err != nil {
			return fmt.Errorf("process.consoleSize: %w", err)
		}
	}
	slave, err := console.OpenPeer(master)
	if err != nil {
		return fmt.Errorf("process.terminal: %w", err)
	}
	if isInit {
		if err := rootfs.MountConsole(slave); err != nil {
			slave.Close()
			return fmt.Errorf("process.terminal: %w", err)
		}
	}
	if err := conn.SendFile(syncproto.Console, master); err != nil {
		slave.Close()
		return err
	}
	if err := console.SetupSlaveFile(slave); err != nil {
		return fmt.Errorf("process.terminal: %w", err)
	}
	return nil
}

// setupSystem applies hostname, domainname, sysctls, rlimits, oomScoreAdj
// and the session keyring: the parts of the spec that are neither mounts nor
// the user's credentials.
func setupSystem(cfg *Config) error {
	s := cfg.Spec
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("hostname %q: %w", s.Hostname, err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("domainname %q: %w", s.Domainname, err)
		}
	}
	if !cfg.NoNewKeyring {
		// A fresh session keyring per container: without it every
		// container shares the host session's keys.
		name := "_ses." + cfg.ID
		if _, err := unix.KeyctlJoinSessionKeyring(name); err != nil && err != unix.ENOSYS && err != unix.EPERM {
			return fmt.Errorf("join session keyring: %w", err)
		}
	}
	if s.Linux != nil && len(s.Linux.Sysctl) > 0 {
		proc, err := procfs.Open("/proc")
		if err != nil {
			return fmt.Errorf("linux.sysctl needs /proc in the container: %w", err)
		}
		defer proc.Close()
		for k, v := range s.Linux.Sysctl {
			if strings.Contains(k, "..") || strings.ContainsAny(k, "\x00") {
				return fmt.Errorf("linux.sysctl: invalid key %q", k)
			}
			p := "sys/" + strings.ReplaceAll(k, ".", "/")
			if err := proc.WriteFile(p, []byte(v)); err != nil {
				return fmt.Errorf("linux.sysctl %s=%s: %w", k, v, err)
			}
		}
	}
	return setupOOMScore(s.Process)
}

// setupOOMScore applies oomScoreAdj, for an init and an exec alike.
func setupOOMScore(p *specs.Process) error {
	if p.OOMScoreAdj != nil {
		proc, err := procfs.Open("/proc")
		if err != nil {
			return fmt.Errorf("process.oomScoreAdj needs /proc in the container: %w", err)
		}
		defer proc.Close()
		if err := proc.WriteFile(procfs.SelfPath("oom_score_adj"), []byte(strconv.Itoa(*p.OOMScoreAdj))); err != nil {
			return fmt.Errorf("process.oomScoreAdj: %w", err)
		}
	}
	return nil
}

// setupRlimits applies process.rlimits. It runs last before Ready: a small
// RLIMIT_AS or RLIMIT_NOFILE must not starve hull's own set-up (building
// the seccomp filter needs memory).
func setupRlimits(p *specs.Process) error {
	for i, rl := range p.Rlimits {
		res, ok := spec.Rlimits[rl.Type]
		if !ok {
			return fmt.Errorf("process.rlimits[%d]: unknown type %q", i, rl.Type)
		}
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, res, &lim, nil); err != nil {
			return fmt.Errorf("process.rlimits[%d] %s: %w", i, rl.Type, err)
		}
	}
	return nil
}
