package initproc

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/seccomp"
	"github.com/hull-runtime/hull/internal/state"
	"github.com/hull-runtime/hull/internal/syncproto"
)

// The waiting init.
//
// A created container's init waits for `hull start`. Waiting as this Go
// process would keep 8 MB resident per created container (the Go runtime, its
// heap and the pages of a 9 MB binary it touched), where crun's waiting init
// is 2 MB. So, once everything is set up and the process is the user's
// (credentials, capabilities, working directory, umask, seccomp, rlimits),
// the init re-executes the sealed hull binary with the user's argv and
// environment plus _HULL_START, before Ready. The C constructor
// (internal/nsenter, start_stub) sees it before any Go runtime exists, sends
// Ready, waits on exec.fifo and execs the user's program: a waiting init of a
// few hundred KB. Making the process the user's before Ready also means
// `create`, not `start`, reports a failure of it (a bad cwd, say).
//
// Two execs give the same result as one: execve recomputes capabilities
// from the inheritable, bounding and ambient sets and the uid alone, which the
// first exec does not change; no_new_privs, the seccomp filter, rlimits,
// personality and the scheduler carry over.
//
// The Go init still waits itself where `start` follows at once (run: an
// exec would only cost time), and when the stub cannot do the same thing:
//   - startContainer hooks run in the container after `start`, in Go;
//   - an AppArmor profile or SELinux label applies at the next execve, which
//     would be the stub's, and the stub's /proc access would then be
//     confined by a profile written for the user's program;
//   - a seccomp profile whose default action kills or traps could kill the
//     stub's start-up (a filter listing only the program's own syscalls);
//   - there is no /proc/self/fd in the container to reopen the fifo through.

// selfExe is an fd of the sealed binary this init runs from, opened before
// the root changed (-1: none).
var selfExe = -1

// openSelfExe opens /proc/self/exe while the host's /proc is still the one
// mounted: the sealed binary (CVE-2019-5736), close-on-exec.
func openSelfExe() {
	fd, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		selfExe = fd
	}
}

// useStub reports whether the waiting init can be the C stub.
func useStub(cfg *Config) bool {
	s := cfg.Spec
	if cfg.Exec || cfg.StartNow || selfExe < 0 {
		return false
	}
	if s.Hooks != nil && len(s.Hooks.StartContainer) > 0 {
		return false
	}
	if s.Process.ApparmorProfile != "" || s.Process.SelinuxLabel != "" {
		return false
	}
	if s.Linux != nil && s.Linux.Seccomp != nil && seccomp.KillsByDefault(s.Linux.Seccomp.DefaultAction) {
		return false
	}
	var st unix.Stat_t
	return unix.Stat("/proc/self/fd", &st) == nil
}

// execStub becomes the waiting stub and returns only if that failed; the
// caller then goes on in Go. path is the user's program, already resolved.
// The stub gets an fd of exec.fifo and a copy of the sync socket, on which
// it sends Ready.
func execStub(cfg *Config, conn *syncproto.Conn, path string) error {
	fifo, err := unix.Openat(cfg.StateDirFd, state.FifoName, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fifo)
	// Not close-on-exec, above the fds the user's program gets; the stub
	// closes both before its execve.
	low := 3 + cfg.PreserveFds
	fd, err := unix.FcntlInt(uintptr(fifo), unix.F_DUPFD, low)
	if err != nil {
		return fmt.Errorf("dup exec fifo: %w", err)
	}
	defer unix.Close(fd)
	sync, err := unix.FcntlInt(conn.File().Fd(), unix.F_DUPFD, low)
	if err != nil {
		return fmt.Errorf("dup sync socket: %w", err)
	}
	defer unix.Close(sync)
	p := cfg.Spec.Process
	env := make([]string, 0, len(p.Env)+1)
	env = append(env, p.Env...)
	env = append(env, "_HULL_START="+strconv.Itoa(fd)+":"+strconv.Itoa(sync)+":"+path)
	// `ps` shows "hull init <program...>" while it waits, as runc's
	// "runc init"; the stub execs the program with argv from the third.
	argv := append([]string{"hull", "init"}, p.Args...)
	return execveat(selfExe, argv, env)
}

// execveat runs execveat(fd, "", argv, envv, AT_EMPTY_PATH).
func execveat(fd int, argv, envv []string) error {
	argvp, err := cStrings(argv)
	if err != nil {
		return err
	}
	envp, err := cStrings(envv)
	if err != nil {
		return err
	}
	empty := []byte{0}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("execveat sealed hull: %w", errno)
}

// cStrings is a NULL-terminated array of NUL-terminated copies of ss.
func cStrings(ss []string) ([]*byte, error) {
	out := make([]*byte, 0, len(ss)+1)
	for _, s := range ss {
		p, err := unix.BytePtrFromString(s)
		if err != nil {
			return nil, errors.New("argument or environment entry contains a NUL byte")
		}
		out = append(out, p)
	}
	return append(out, nil), nil
}
