package signals

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestForwarder: a signal that reaches this process before the target is
// known is kept and sent when it is; after Done, signals are swallowed
// (this test process survives them); Stop makes room for the next one.
func TestForwarder(t *testing.T) {
	f, err := Forward(unix.SIGUSR1)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := Forward(unix.SIGUSR2); err == nil {
		g.Stop()
		t.Fatal("a second Forward while one is active succeeded")
	}
	cmd := exec.Command("/bin/sh", "-c", `trap 'exit 7' USR1; echo ready; while :; do sleep 0.05; done`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if l, err := bufio.NewReader(out).ReadString('\n'); err != nil || l != "ready\n" {
		t.Fatalf("child said %q, %v", l, err)
	}
	// Caught with no target: kept, the child still runs.
	if err := unix.Kill(os.Getpid(), unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := unix.Kill(cmd.Process.Pid, 0); err != nil {
		t.Fatalf("child gone before To: %v", err)
	}
	f.To(cmd.Process.Pid)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child after To: %v, want exit 7 (the kept SIGUSR1)", err)
	}
	f.Done()
	if err := unix.Kill(os.Getpid(), unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	f.Stop()
	g, err := Forward(unix.SIGUSR2)
	if err != nil {
		t.Fatalf("Forward after Stop: %v", err)
	}
	g.Stop()
}

// TestForwarderRemove: a signal removed from the relay reaches os/signal
// again, as the terminal's SIGWINCH must when hull resizes the pty.
func TestForwarderRemove(t *testing.T) {
	f, err := Forward(unix.SIGWINCH)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	if err := f.Remove(unix.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGWINCH)
	defer signal.Stop(ch)
	if err := unix.Kill(os.Getpid(), unix.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGWINCH never reached os/signal after Remove")
	}
}
