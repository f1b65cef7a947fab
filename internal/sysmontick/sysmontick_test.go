package sysmontick

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadSlacks reads every thread's timer slack. Another thread's value needs
// CAP_SYS_NICE (proc_pid_set_timerslack_ns), which root has.
func threadSlacks(t *testing.T) map[string]uint64 {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/timerslack_ns") // per-thread, but only under /proc/<tid>, not task/<tid>
		if errors.Is(err, os.ErrPermission) {
			t.Skip("reading another thread's timer slack needs CAP_SYS_NICE")
		}
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread ended
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = v
	}
	return out
}

// TestOnlySysmonIsCoarse: of all the runtime's threads, exactly one (sysmon,
// the first created) has the coarse slack; the rest, threads created later
// included, have the process's own.
func TestOnlySysmonIsCoarse(t *testing.T) {
	proc := ProcessSlack()
	if proc == 0 {
		t.Fatal("ProcessSlack is 0: the pthread_create wrapper never ran (is --wrap=pthread_create linked?)")
	}
	if proc >= SysmonSlack() {
		t.Skipf("process slack %d is already at least sysmon's %d", proc, SysmonSlack())
	}
	// New Ms: locked goroutines each need a thread of their own.
	done := make(chan struct{})
	ready := make(chan struct{})
	for i := 0; i < 3; i++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ready <- struct{}{}
			<-done
		}()
		<-ready
	}
	defer close(done)

	slacks := threadSlacks(t)
	if len(slacks) < 5 {
		t.Fatalf("only %d threads: %v", len(slacks), slacks)
	}
	coarse := 0
	for tid, v := range slacks {
		switch v {
		case SysmonSlack():
			coarse++
		case proc:
		default:
			t.Errorf("thread %s has slack %d, want %d (process) or %d (sysmon)", tid, v, proc, SysmonSlack())
		}
	}
	if coarse != 1 {
		t.Errorf("%d threads have sysmon's slack, want 1: %v", coarse, slacks)
	}
	for tid, v := range slacks {
		if v == SysmonSlack() && !sleepsInNanosleep(tid) {
			t.Errorf("thread %s has sysmon's slack but is not sysmon: never seen in nanosleep (the runtime's usleep); did a Go upgrade change which thread runtime.main creates first?", tid)
		}
	}
	if got := unix.Gettid(); slacks[strconv.Itoa(got)] != proc {
		t.Errorf("this goroutine's thread %d has slack %d, want %d", got, slacks[strconv.Itoa(got)], proc)
	}
}

// sleepsInNanosleep reports whether thread tid is seen blocked in
// nanosleep(2) within a second. sysmon sleeps there (runtime.usleep) while
// a P is busy, idle Ms sleep in futex(2); so the test spins between looks
// rather than sleeping (with every P idle, sysmon waits in futex too).
func sleepsInNanosleep(tid string) bool {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/self/task/" + tid + "/syscall")
		if err != nil {
			return false
		}
		if nr, _, _ := strings.Cut(string(b), " "); nr == strconv.Itoa(unix.SYS_NANOSLEEP) {
			return true
		}
		for spin := time.Now(); time.Since(spin) < time.Millisecond; {
		}
	}
	return false
}

// TestChildrenKeepProcessSlack: a process started from any thread gets the
// process's slack, not sysmon's.
func TestChildrenKeepProcessSlack(t *testing.T) {
	for i := 0; i < 5; i++ {
		out, err := exec.Command("cat", "/proc/self/timerslack_ns").Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); got != strconv.FormatUint(ProcessSlack(), 10) {
			t.Fatalf("child's slack %s, want %d", got, ProcessSlack())
		}
	}
}

// TestSysmonStartsLate: sysmon's thread sleeps SysmonDelay before the
// runtime's sysmon runs on it, so a short command has no sysmon wake-up.
func TestSysmonStartsLate(t *testing.T) {
	deadline := time.Now().Add(5 * time.Second)
	for SysmonWaited() < 0 {
		if time.Now().After(deadline) {
			t.Fatal("sysmon never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w := SysmonWaited(); w < SysmonDelay() {
		t.Fatalf("sysmon started %v after its thread was made, want at least %v", w, SysmonDelay())
	}
}
