package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestConsoleSocket: with terminal=true, create sends the pty master over
// --console-socket and the process' stdio is /dev/pts/0 of its own devpts.
func TestConsoleSocket(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "tty; echo done")
	b.Edit(func(s *specs.Spec) { s.Process.Terminal = true })
	root := testutil.Root(t)
	cs := testutil.NewConsoleSocket(t)
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--console-socket", cs.Path, "--bundle", b.Dir, b.ID))
	master := cs.Master(t, 10*time.Second)
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	out := testutil.ReadUntil(master, "done", 10*time.Second)
	if !strings.Contains(out, "/dev/pts/0") {
		t.Errorf("tty inside printed %q, want /dev/pts/0", out)
	}
	testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	testutil.MustOK(t, testutil.Hull(t, root, "delete", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestRunUnderPty: foreground run with terminal=true under a terminal
// proxies the container's own pty to ours.
func TestRunUnderPty(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "tty; echo done")
	b.Edit(func(s *specs.Spec) { s.Process.Terminal = true })
	root := testutil.Root(t)
	master, slave, err := testutil.OpenPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	cmd := testutil.Command(t, testutil.BuildHull(t), root, "run", "--bundle", b.Dir, b.ID)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("start: %v", err)
	}
	slave.Close()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	out := testutil.ReadUntil(master, "done", 15*time.Second)
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("run under a pty: %v; output %q", err, out)
		}
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-waited
		t.Fatalf("run under a pty did not exit; output %q", out)
	}
	if !strings.Contains(out, "/dev/pts/0") {
		t.Errorf("tty inside printed %q, want /dev/pts/0", out)
	}
	testutil.AssertNothingLeft(t, root, b)
}

// TestTerminalInitBothPaths: a container with a terminal gets a pty of its
// own devpts as stdio, and that pty is its /dev/console, whether hull's
// set-up thread built it (the C init opens the pty after pivot_root and binds
// it onto /dev/console) or the Go init did (a time namespace sends it
// there: forceGoInit). The waiting init's minor page faults tell the two apart, as in
// TestWaitingInitIsStub.
func TestTerminalInitBothPaths(t *testing.T) {
	t.Parallel()
	bothInitPaths(t, func(t *testing.T, goInit bool) {
		b := testutil.NewBundle(t, "sh", "-c",
			`echo "tty=$(tty) dev=$(stat -c %t:%T $(tty)) console=$(stat -c %t:%T /dev/console)"; echo done`)
		b.Edit(func(s *specs.Spec) {
			s.Process.Terminal = true
			if goInit {
				forceGoInit(s)
			}
		})
		root := testutil.Root(t)
		cs := testutil.NewConsoleSocket(t)
		testutil.MustOK(t, testutil.Hull(t, root, "create", "--console-socket", cs.Path, "--bundle", b.Dir, b.ID))
		t.Cleanup(func() { testutil.Hull(t, root, "delete", "-f", b.ID) })
		master := cs.Master(t, 10*time.Second)
		minorFaultsSayGoInit(t, testutil.State(t, root, b.ID).Pid, goInit)
		testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
		out := testutil.ReadUntil(master, "done", 10*time.Second)
		var tty, dev, console string
		for _, f := range strings.Fields(out) {
			if v, ok := strings.CutPrefix(f, "tty="); ok {
				tty = v
			} else if v, ok := strings.CutPrefix(f, "dev="); ok {
				dev = v
			} else if v, ok := strings.CutPrefix(f, "console="); ok {
				console = v
			}
		}
		if tty != "/dev/pts/0" {
			t.Errorf("tty inside is %q, want /dev/pts/0 (the container's own devpts): %q", tty, out)
		}
		if dev == "" || console != dev {
			t.Errorf("/dev/console is device %q, the tty %q: want the same pty: %q", console, dev, out)
		}
		testutil.WaitStatus(t, root, b.ID, "stopped", 10*time.Second)
	})
}
