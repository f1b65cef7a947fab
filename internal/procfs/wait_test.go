package procfs

import (
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func startSleep(t *testing.T) int {
	t.Helper()
	pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{})
	if err != nil {
		t.Skipf("no /bin/sleep: %v", err)
	}
	t.Cleanup(func() {
		unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	})
	return pid
}

// TestWaitGoneWakesAtExit: WaitGone returns as the process dies, long
// before its timeout, and reaps it when it is our child.
func TestWaitGoneWakesAtExit(t *testing.T) {
	pid := startSleep(t)
	st, err := ReadStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		unix.Kill(pid, unix.SIGKILL)
	}()
	t0 := time.Now()
	if !WaitGone(pid, st.StartTime, 20*time.Second) {
		t.Fatal("WaitGone = false for a process that was killed")
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Fatalf("WaitGone took %v", d)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != unix.ECHILD {
		t.Fatalf("the child was not reaped: wait4 = %v", err)
	}
}

// TestWaitGoneTimesOut: a live process is still there after the timeout.
func TestWaitGoneTimesOut(t *testing.T) {
	pid := startSleep(t)
	t0 := time.Now()
	if WaitGone(pid, 0, 100*time.Millisecond) {
		t.Fatal("WaitGone = true for a live process")
	}
	if d := time.Since(t0); d < 100*time.Millisecond {
		t.Fatalf("WaitGone gave up after %v, before its timeout", d)
	}
}

// TestWaitGoneOtherStartTime: a pid now held by another process (another
// start time) is gone at once, and that process is left alone.
func TestWaitGoneOtherStartTime(t *testing.T) {
	pid := startSleep(t)
	st, err := ReadStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !WaitGone(pid, st.StartTime+1, 20*time.Second) {
		t.Fatal("WaitGone = false for a start time that is not the running process's")
	}
	if !Alive(pid, st.StartTime) {
		t.Fatal("the process with the pid was disturbed")
	}
}
