package console

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

func getSize(t *testing.T, f *os.File) (rows, cols uint16) {
	t.Helper()
	var ws *unix.Winsize
	if err := ctl(f, func(fd int) error {
		var err error
		ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		return err
	}); err != nil {
		t.Fatalf("TIOCGWINSZ: %v", err)
	}
	return ws.Row, ws.Col
}

func isCanonical(t *testing.T, f *os.File) bool {
	t.Helper()
	var tio *unix.Termios
	if err := ctl(f, func(fd int) error {
		var err error
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}); err != nil {
		t.Fatalf("TCGETS: %v", err)
	}
	return tio.Lflag&unix.ICANON != 0
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestAttachRelaysTerminal plays both sides with two pty pairs: the caller's
// terminal (userM driven by the test, userS standing in for hull's stdin and
// stdout) and the container's pty (ctrM handed to attach, ctrS the
// container's side).
func TestAttachRelaysTerminal(t *testing.T) {
	userM, userS := newPty(t)
	ctrM, ctrS := newPty(t)
	// The container side in raw mode, so input arrives without echo or
	// waiting for a newline.
	cc, err := console.ConsoleFromFile(ctrS)
	if err != nil {
		t.Fatal(err)
	}
	if err := cc.SetRaw(); err != nil {
		t.Fatal(err)
	}
	setSize(t, userM, 40, 120)
	if !isCanonical(t, userS) {
		t.Fatal("fresh pty not canonical")
	}

	wait, restore, err := attach(ctrM, userS, userS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restore)

	if isCanonical(t, userS) {
		t.Error("caller's terminal not put in raw mode")
	}
	if r, c := getSize(t, ctrS); r != 40 || c != 120 {
		t.Errorf("initial size %dx%d, want 40x120", r, c)
	}

	// Keystrokes reach the container unchanged, ^C included: raw mode means
	// hull does not turn it into a signal for itself.
	if _, err := userM.Write([]byte("ls\x03")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ctrS, "ls\x03", 5*time.Second)

	// Container output reaches the caller.
	if _, err := ctrS.Write([]byte("output!")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, userM, "output!", 5*time.Second)

	// A resize of the caller's terminal followed by SIGWINCH is forwarded.
	setSize(t, userM, 50, 132)
	if err := unix.Kill(os.Getpid(), unix.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "resize to 50x132", func() bool {
		r, c := getSize(t, ctrS)
		return r == 50 && c == 132
	})

	// The container going away (last slave fd closed) ends the session
	// without error: the master reads EIO.
	ctrS.Close()
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wait = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait did not return after the slave closed")
	}
	if err := wait(); err != nil {
		t.Fatalf("second wait = %v", err)
	}

	restore()
	if !isCanonical(t, userS) {
		t.Error("restore did not bring back the caller's terminal mode")
	}
	restore() // idempotent
}

// With pipes instead of a terminal (hull run -t under a script) attach only
// copies: no raw mode, no resize, no error.
func TestAttachWithoutTerminal(t *testing.T) {
	ctrM, ctrS := newPty(t)
	cc, err := console.ConsoleFromFile(ctrS)
	if err != nil {
		t.Fatal(err)
	}
	if err := cc.SetRaw(); err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inR.Close(); inW.Close(); outR.Close(); outW.Close() })

	wait, restore, err := attach(ctrM, inR, outW)
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	inW.Write([]byte("input"))
	readUntil(t, ctrS, "input", 5*time.Second)
	ctrS.Write([]byte("bye"))
	ctrS.Close()
	if err := wait(); err != nil {
		t.Fatalf("wait = %v", err)
	}
	outW.Close()
	if got := readAll(t, outR, 5*time.Second); got != "bye" {
		t.Fatalf("output %q, want %q", got, "bye")
	}
}

// A relay gives its goroutines a P each: hull runs one, which the caller
// then holds blocked in wait4 (internal/sysmontick explains why sysmon
// would hand it over late).
func TestAttachGivesRelaysProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	ctrM, ctrS := newPty(t)
	defer ctrS.Close()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inR.Close()
	defer inW.Close()
	_, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outW.Close()
	_, restore, err := attach(ctrM, inR, outW)
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	if got := runtime.GOMAXPROCS(0); got < relayProcs {
		t.Fatalf("GOMAXPROCS %d while relaying, want at least %d", got, relayProcs)
	}
}
