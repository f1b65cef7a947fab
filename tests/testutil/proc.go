package testutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// procStat returns the state letter and start time (field 22) of a process.
func procStat(pid int) (state, start string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", "", false
	}
	// comm (field 2) may contain spaces and parentheses: split after the
	// last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", "", false
	}
	return f[0], f[19], true
}

func procStart(pid int) (string, bool) {
	_, start, ok := procStat(pid)
	return start, ok
}

// procAlive: same pid, same start time, not a zombie.
func procAlive(p procRef) bool {
	state, start, ok := procStat(p.pid)
	if !ok || start != p.start {
		return false
	}
	return state != "Z" && state != "X"
}

func killIfSame(p procRef) {
	if procAlive(p) {
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
}

// PidAlive reports whether pid exists and is not a zombie.
func PidAlive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != "Z" && state != "X"
}

// WaitPidGone polls until pid is gone (or a zombie) and reports success.
func WaitPidGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for PidAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// procsRootedIn finds live processes whose root directory is dir: a
// container init that outlived a failed create or a delete. readlink of
// /proc/PID/root shows "/" for a pivoted process in another mount
// namespace, so compare device and inode through the magic link instead.
func procsRootedIn(dir string) []int {
	var want unix.Stat_t
	if err := unix.Stat(dir, &want); err != nil {
		return nil
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(fmt.Sprintf("/proc/%d/root", pid), &st); err != nil {
			continue
		}
		if st.Dev == want.Dev && st.Ino == want.Ino && PidAlive(pid) {
			out = append(out, pid)
		}
	}
	return out
}
