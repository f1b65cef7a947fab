package initproc

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/caps"
	"github.com/hull-runtime/hull/internal/hooks"
	"github.com/hull-runtime/hull/internal/state"
)

// prepareProcess does what can fail before the container is reported as
// created, so that `create` (not a later `start`) reports it, as runc does:
// the program must exist and the working directory must be usable.
func prepareProcess(cfg *Config) error {
	p := cfg.Spec.Process
	env := withHome(p.Env, p.User.UID)
	cfg.Spec.Process.Env = env
	if _, err := lookPath(p.Args[0], env); err != nil {
		return err
	}
	return checkCwd(p.Cwd)
}

// checkCwd refuses a working directory outside the container
// (CVE-2024-21626: a cwd of /proc/self/fd/N through a leaked host fd shows
// as "(unreachable)" in getcwd). It runs before the seccomp filter is
// loaded: a profile may refuse getcwd (the OCI suite's linux_seccomp does),
// and the check must not depend on the profile. The later chdir as the
// container's user goes to the same place: the path resolves in the same
// root, and the init's own fds are the only ones it could go through.
func checkCwd(cwd string) error {
	if cwd == "" {
		return nil
	}
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("process.cwd %s: %w", cwd, err)
	}
	if wd, err := unix.Getwd(); err != nil || !strings.HasPrefix(wd, "/") {
		return fmt.Errorf("process.cwd %s is outside the container", cwd)
	}
	return nil
}

// finish waits for `hull start`, then becomes the user's program. (Where
// it can, the C stub waits instead: see stub.go; then finish runs only if the
// stub could not start, with the process already prepared.)
func finish(cfg *Config) error {
	s := cfg.Spec
	p := s.Process
	if !cfg.Exec {
		if err := waitForStart(cfg.StateDirFd); err != nil {
			return err
		}
		if s.Hooks != nil && len(s.Hooks.StartContainer) > 0 {
			st := cfg.State
			st.Status = specs.StateRunning
			if err := hooks.RunAll("startContainer", s.Hooks.StartContainer, &st); err != nil {
				return err
			}
		}
	}
	path := cfg.prepared
	if path == "" {
		var err error
		if path, err = prepareExec(cfg); err != nil {
			return err
		}
	}
	if err := unix.Exec(path, p.Args, p.Env); err != nil {
		return fmt.Errorf("exec %s: %w", p.Args[0], err)
	}
	return nil
}

// prepareExec makes the process the user's: fds, credentials, working
// directory and umask. It returns the program to exec.
func prepareExec(cfg *Config) (string, error) {
	p := cfg.Spec.Process
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return "", err
	}
	if err := closeExtraFds(3 + cfg.PreserveFds); err != nil {
		return "", err
	}
	if err := setUser(p); err != nil {
		return "", err
	}
	if p.Cwd != "" {
		if err := unix.Chdir(p.Cwd); err != nil {
			return "", fmt.Errorf("process.cwd %s: %w", p.Cwd, err)
		}
	}
	// CVE-2024-21626: checked again now that the process is the user's;
	// getcwd may be refused by the seccomp profile (then checkCwd's
	// verdict, made before the filter, stands).
	if wd, err := unix.Getwd(); err == nil && !strings.HasPrefix(wd, "/") {
		return "", fmt.Errorf("process.cwd %s is outside the container", p.Cwd)
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	} else {
		unix.Umask(0o022)
	}
	return path, nil
}

// waitForStart blocks opening exec.fifo for writing until `hull start` opens
// it for reading. The fifo is reached through an fd of the state directory
// opened before pivot_root, so the container needs no /proc for it; the fd
// is O_CLOEXEC and closed here, never seen by the user's program.
func waitForStart(dirFd int) error {
	fd, err := unix.Openat(dirFd, state.FifoName, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	// The write end stays open (close-on-exec): `start` waits for the
	// hang-up, which comes only once the user's program replaced hull
	// (or the init died). Until then a signal would hit hull, and
	// poststart hooks would run too early.
	unix.Close(dirFd)
	if _, err := unix.Write(fd, []byte{0}); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	return nil
}

// setUser switches to the process's user keeping the configured
// capabilities: bounding set first (needs CAP_SETPCAP, so still as root),
// then ids with keep-caps, then the five sets.
func setUser(p *specs.Process) error {
	if err := caps.DropBounding(p.Capabilities); err != nil {
		return fmt.Errorf("process.capabilities.bounding: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keep capabilities: %w", err)
	}
	u := p.User
	groups := make([]int, 0, len(u.AdditionalGids))
	for _, g := range u.AdditionalGids {
		groups = append(groups, int(g))
	}
	// setgroups is refused in a user namespace whose setgroups file says
	// deny (rootless); runc tolerates that when no groups were asked for.
	if err := unix.Setgroups(groups); err != nil && !(errors.Is(err, unix.EPERM) && len(groups) == 0) {
		return fmt.Errorf("process.user.additionalGids: %w", err)
	}
	if err := setresid(unix.SYS_SETRESGID, u.GID); err != nil {
		return fmt.Errorf("process.user.gid %d: %w", u.GID, err)
	}
	if err := setresid(unix.SYS_SETRESUID, u.UID); err != nil {
		return fmt.Errorf("process.user.uid %d: %w", u.UID, err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keep capabilities: %w", err)
	}
	if err := caps.Apply(p.Capabilities); err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	return nil
}

// setresid sets the real, effective and saved ids of this thread only. Go's
// own Setresuid changes every thread of the process, which in a cgo binary
// means glibc's setxid broadcast: a signal to, and a wait for, each thread.
// The init runs on one locked thread, and only the thread that execs matters
// (execve ends the others), as in runc's init.
func setresid(nr uintptr, id uint32) error {
	if _, _, errno := unix.RawSyscall(nr, uintptr(id), uintptr(id), uintptr(id)); errno != 0 {
		return errno
	}
	return nil
}

// closeExtraFds marks every fd from first up close-on-exec, so nothing of
// hull's (the state dir, the sync socket, Go's own) reaches the user's
// program (CVE-2024-21626 leaked a host directory fd this way).
func closeExtraFds(first int) error {
	// One syscall on Linux 5.11 and later, unless the container's seccomp
	// profile (loaded by now) refuses it, with EPERM as older allow-lists
	// do: then fd by fd.
	if unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return nil
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("mark fds close-on-exec: %w", err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < first {
			continue
		}
		unix.CloseOnExec(fd)
	}
	return nil
}

// lookPath resolves the program the way execvp would, with the container's
// PATH (from process.env, not hull's).
func lookPath(file string, env []string) (string, error) {
	if file == "" {
		return "", errors.New("process.args[0] is empty")
	}
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", fmt.Errorf("exec: %q: %w", file, err)
		}
		return file, nil
	}
	path := ""
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			path = e[5:]
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", file)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return errors.New("permission denied")
	}
	return nil
}

// withHome adds HOME from the container's /etc/passwd when process.env
// lacks it (runc does the same; many programs need it).
func withHome(env []string, uid uint32) []string {
	for _, e := range env {
		if strings.HasPrefix(e, "HOME=") {
			return env
		}
	}
	home := "/"
	if f, err := os.Open("/etc/passwd"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.Split(sc.Text(), ":")
			if len(parts) >= 6 && parts[2] == strconv.FormatUint(uint64(uid), 10) {
				if parts[5] != "" {
					home = parts[5]
				}
				break
			}
		}
		f.Close()
	}
	return append(env, "HOME="+home)
}
