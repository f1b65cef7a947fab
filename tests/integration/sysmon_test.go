package integration

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestSysmonSlackStaysInHull: hull gives only the Go runtime's sysmon thread
// a coarse timer slack (internal/sysmontick). The container's process keeps
// the slack hull was started with, which this test sets to a value of its
// own so that an inherited coarse slack, or the kernel default, would show.
func TestSysmonSlackStaysInHull(t *testing.T) {
	t.Parallel()
	const callerSlack = 70000
	const sysmonSlack = 10000000 // internal/sysmontick
	b := testutil.NewBundle(t, "sh", "-c", "cat /proc/self/timerslack_ns; read x")
	root := testutil.Root(t)

	type result struct {
		container string
		threads   map[string]string
		err       error
	}
	res := make(chan result, 1)
	// A thread of its own that never unlocks (so it ends with the goroutine):
	// the slack is per thread and a forked child inherits its creator's.
	go func() {
		runtime.LockOSThread()
		var r result
		defer func() { res <- r }()
		if r.err = unix.Prctl(unix.PR_SET_TIMERSLACK, callerSlack, 0, 0, 0); r.err != nil {
			return
		}
		cmd := testutil.Command(t, testutil.BuildHull(t), root, "run", "--bundle", b.Dir, b.ID)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			r.err = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			r.err = err
			return
		}
		if r.err = cmd.Start(); r.err != nil {
			return
		}
		defer cmd.Wait()
		defer stdin.Close()
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			r.err = err
			return
		}
		r.container = strings.TrimSpace(line)
		// hull is waiting for the container now; all its threads exist.
		r.threads = map[string]string{}
		tids, err := os.ReadDir("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task")
		if err != nil {
			r.err = err
			return
		}
		for _, tid := range tids {
			// Per thread, but only readable as /proc/<tid>, not task/<tid>.
			v, err := os.ReadFile("/proc/" + tid.Name() + "/timerslack_ns")
			if err == nil {
				r.threads[tid.Name()] = strings.TrimSpace(string(v))
			}
		}
	}()
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.container != strconv.Itoa(callerSlack) {
		t.Errorf("container's timer slack %q, want the caller's %d", r.container, callerSlack)
	}
	coarse := 0
	for tid, v := range r.threads {
		switch v {
		case strconv.Itoa(sysmonSlack):
			coarse++
		case strconv.Itoa(callerSlack):
		default:
			t.Errorf("hull thread %s has slack %s, want %d or, for sysmon alone, %d", tid, v, callerSlack, sysmonSlack)
		}
	}
	if coarse != 1 || len(r.threads) < 3 {
		t.Errorf("hull's threads' slacks %v: want exactly one (sysmon) at %d", r.threads, sysmonSlack)
	}
}
