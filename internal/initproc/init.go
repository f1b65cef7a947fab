package initproc

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/procattr"
	"github.com/hull-runtime/hull/internal/rootfs"
	"github.com/hull-runtime/hull/internal/syncproto"
)

// IsInit reports whether this process was started as a container's init.
func IsInit() bool { return os.Getenv(EnvSyncFd) != "" }

// Main runs the container's init and never returns: it ends in execve of
// the user's program or in exit(1) after reporting the error to the parent
// (or to stderr once the parent is gone).
func Main() {
	runtime.LockOSThread()
	runtime.GOMAXPROCS(1)
	fdStr := os.Getenv(EnvSyncFd)
	os.Unsetenv(EnvSyncFd)
	os.Unsetenv("GOMAXPROCS") // read by the runtime at start; hooks get none of it
	fd, err := strconv.Atoi(fdStr)
	if err != nil || fd < 3 {
		fmt.Fprintf(os.Stderr, "hull init: bad %s=%q\n", EnvSyncFd, fdStr)
		os.Exit(1)
	}
	// Close-on-exec: an exec's parent learns that the user's program
	// started from the socket closing at execve.
	unix.CloseOnExec(fd)
	conn := syncproto.NewConn(os.NewFile(uintptr(fd), "sync"))
	cfg, err := setup(conn)
	if err != nil {
		conn.SendError(err)
		os.Exit(1)
	}
	if cfg.Exec {
		// The parent still listens: report a failure of the last steps.
		if err := finish(cfg); err != nil {
			conn.SendError(err)
		}
		os.Exit(127)
	}
	conn.Close()
	err = finish(cfg)
	// Only reached on failure: the parent is gone, the container's stderr
	// is all that is left.
	fmt.Fprintf(os.Stderr, "hull init: %v\n", err)
	os.Exit(127)
}

// setup does everything up to the Ready message.
func setup(conn *syncproto.Conn) (*Config, error) {
	var cfg Config
	if err := conn.ExpectJSON(syncproto.InitConfig, &cfg); err != nil {
		return nil, fmt.Errorf("read init config: %w", err)
	}
	s := cfg.Spec
	if s == nil || s.Process == nil {
		return nil, errors.New("init config has no process")
	}
	procattr.SetAppArmorEnabled(cfg.AppArmor)
	if cfg.Exec {
		return setupExec(conn, &cfg)
	}
	if !cfg.StartNow {
		openSelfExe() // for the waiting stub
	}
	rc := &rootfs.Config{Spec: s, Rootfs: cfg.Rootfs, Bundle: cfg.Bundle, NoPivot: cfg.NoPivot, UserNS: cfg.UserNS, SourceFds: cfg.MountFds}
	if cfg.NewMountNS {
		if err := rootfs.Setup(rc); err != nil {
			return nil, err
		}
	}
	// prestart and createRuntime hooks run in the runtime's namespaces:
	// the parent runs them now, with the container's namespaces in place.
	if err := conn.Send(syncproto.RunHooks, nil); err != nil {
		return nil, err
	}
	if _, err := conn.Expect(syncproto.HooksDone); err != nil {
		return nil, err
	}
	if s.Hooks != nil {
		st := cfg.State
		if err := hooks.RunAll("createContainer", s.Hooks.CreateContainer, &st); err != nil {
			return nil, err
		}
	}
	if cfg.NewMountNS {
		if err := rootfs.Pivot(rc); err != nil {
			return nil, err
		}
	} else {
		// No mount namespace of its own: no mounts (they would land in
		// the host's namespace), but the process still sees only its
		// rootfs.
		if err := unix.Chroot(cfg.Rootfs); err != nil {
			return nil, fmt.Errorf("chroot %s: %w", cfg.Rootfs, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return nil, err
		}
	}
	// runc creates a missing working directory; after pivot_root a path
	// can only resolve inside the container, and before Finalize the root
	// is still writable.
	if cwd := s.Process.Cwd; cwd != "" && cwd != "/" {
		if err := os.MkdirAll(cwd, 0o755); err != nil {
			return nil, fmt.Errorf("process.cwd %s: %w", cwd, err)
		}
	}
	// sysctls before the console and Finalize: Finalize makes /proc/sys
	// and / read-only.
	if err := setupSystem(&cfg); err != nil {
		return nil, err
	}
	if err := setupTerminal(conn, s, cfg.NewMountNS); err != nil {
		return nil, err
	}
	if cfg.NewMountNS {
		if err := rootfs.Finalize(rc); err != nil {
			return nil, err
		}
	}
	if err := prepareProcess(&cfg); err != nil {
		return nil, err
	}
	if err := applyProcessAttrs(&cfg); err != nil {
		return nil, err
	}
	if err := loadSeccomp(conn, &cfg); err != nil {
		return nil, err
	}
	if err := setupRlimits(s.Process); err != nil {
		return nil, err
	}
	if useStub(&cfg) {
		// The process becomes the user's now, so `create` reports a
		// failure of that too; the stub sends Ready once it is in
		// place, so `create` returns with the init already waiting.
		path, err := prepareExec(&cfg)
		if err != nil {
			return nil, err
		}
		cfg.prepared = path
		_ = execStub(&cfg, conn, path) // returns only if the stub could not start
	}
	if err := conn.Send(syncproto.Ready, nil); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// setupExec prepares a process joining a running container: its namespaces
// (and so its root) are the container's already; only the process's own
// attributes remain.
func setupExec(conn *syncproto.Conn, cfg *Config) (*Config, error) {
	if err := setupTerminal(conn, cfg.Spec, false); err != nil {
		return nil, err
	}
	if err := setupOOMScore(cfg.Spec.Process); err != nil {
		return nil, err
	}
	if err := prepareProcess(cfg); err != nil {
		return nil, err
	}
	if err := applyProcessAttrs(cfg); err != nil {
		return nil, err
	}
	if err := loadSeccomp(conn, cfg); err != nil {
		return nil, err
	}
	if err := setupRlimits(cfg.Spec.Process); err != nil {
		return nil, err
	}
	if err := conn.Send(syncproto.Ready, nil); err != nil {
		return nil, err
	}
	return cfg, nil
}
