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
	if err := SetNames(s); err != nil {
		return err
	}
	if err := JoinSessionKeyring(cfg.ID, cfg.NoNewKeyring); err != nil {
		return err
	}
	if s.Linux != nil && len(s.Linux.Sysctl) > 0 {
		proc, err := procfs.Open("/proc")
		if err != nil {
			return fmt.Errorf("linux.sysctl needs /proc in the container: %w", err)
		}
		defer proc.Close()
		if err := WriteSysctls(proc, s.Linux.Sysctl); err != nil {
			return err
		}
	}
	return setupOOMScore(s.Process)
}

// The pieces of setupSystem that hull's set-up thread (process/thread.go)
// also runs. Each acts on the calling thread's namespaces and credentials.

// SetNames sets hostname and domainname in the UTS namespace.
func SetNames(s *specs.Spec) error {
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
	return nil
}

// JoinSessionKeyring gives the container a fresh session keyring ("_ses."
// and its id) unless --no-new-keyring: without it every container shares
// the host session's keys. Children inherit it with the credentials.
func JoinSessionKeyring(id string, noNew bool) error {
	if noNew {
		return nil
	}
	if _, err := unix.KeyctlJoinSessionKeyring("_ses." + id); err != nil && err != unix.ENOSYS && err != unix.EPERM {
		return fmt.Errorf("join session keyring: %w", err)
	}
	return nil
}

// WriteSysctls writes linux.sysctl through proc. Namespaced sysctls act on
// the writer's namespaces (net.* on its network namespace at open, ipc and
// uts ones likewise).
func WriteSysctls(proc *procfs.Handle, sysctl map[string]string) error {
	for k, v := range sysctl {
		if strings.Contains(k, "..") || strings.ContainsAny(k, "\x00") {
			return fmt.Errorf("linux.sysctl: invalid key %q", k)
		}
		p := "sys/" + strings.ReplaceAll(k, ".", "/")
		if err := proc.WriteFile(p, []byte(v)); err != nil {
			return fmt.Errorf("linux.sysctl %s=%s: %w", k, v, err)
		}
	}
	return nil
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
