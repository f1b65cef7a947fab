package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/oneproc"
)

// Attach relays an attached `hull run -t` session: the caller's stdin goes to
// the container's pty master and the master's output to the caller's stdout.
// When stdin is a terminal it is put in raw mode (so ^C, ^Z and line editing
// reach the container instead of acting on hull), its size is copied to the
// pty and every SIGWINCH copies it again. wait blocks until the master reports
// EOF or EIO (Linux returns EIO once every slave fd is closed, i.e. the
// container's processes are gone) and returns nil then. restore puts the
// caller's terminal back and stops the resize forwarding; call it once done.
func Attach(master *os.File) (wait func() error, restore func(), err error) {
	return attach(master, os.Stdin, os.Stdout)
}

func attach(master, in, out *os.File) (wait func() error, restore func(), err error) {
	// hull runs one P, and the caller then blocks in wait4 holding it:
	// the relay goroutines below need Ps of their own (oneproc.AtLeast).
	// With them the copies run as data arrives (20 MB through the pty:
	// bench/tty-ab.py).
	oneproc.AtLeast(relayProcs)
	// The terminal whose size the container should mirror: stdin if it is a
	// tty, else stdout (e.g. `hull run -t < file` inside a terminal).
	var sizeSrc *os.File
	var inCons console.Console
	if c, err := console.ConsoleFromFile(in); err == nil {
		inCons = c
		sizeSrc = in
	} else if isTerminal(out) {
		sizeSrc = out
	}

	if inCons != nil {
		if err := inCons.SetRaw(); err != nil {
			return nil, nil, fmt.Errorf("set %s raw: %w", in.Name(), err)
		}
	}

	winch := make(chan os.Signal, 1)
	stopWinch := make(chan struct{})
	if sizeSrc != nil {
		if err := copySize(sizeSrc, master); err != nil {
			if inCons != nil {
				inCons.Reset()
			}
			return nil, nil, err
		}
		signal.Notify(winch, unix.SIGWINCH)
		go func() {
			for {
				select {
				case <-winch:
					// A failed resize is not worth ending the session for.
					_ = copySize(sizeSrc, master)
				case <-stopWinch:
					return
				}
			}
		}()
	}

	var once sync.Once
	restore = func() {
		once.Do(func() {
			if sizeSrc != nil {
				signal.Stop(winch)
				close(stopWinch)
			}
			if inCons != nil {
				_ = inCons.Reset()
			}
		})
	}

	// stdin -> master. This goroutine may stay blocked on stdin after the
	// container exits; there is nothing to wait for there.
	go func() { _, _ = io.Copy(master, in) }()

	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, master)
		if errors.Is(err, unix.EIO) {
			err = nil
		}
		if err != nil {
			err = fmt.Errorf("copy console output: %w", err)
		}
		done <- err
	}()
	var result error
	var waitOnce sync.Once
	wait = func() error {
		waitOnce.Do(func() { result = <-done })
		return result
	}
	return wait, restore, nil
}

// relayProcs: the waiting caller, stdin -> master, master -> stdout.
const relayProcs = 3

// isTerminal reports whether f is a tty (TCGETS succeeds).
func isTerminal(f *os.File) bool {
	ok := false
	ctl(f, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		ok = err == nil
		return nil
	})
	return ok
}

// copySize sets dst's window size to src's (TIOCGWINSZ/TIOCSWINSZ). On a pty
// master the size belongs to the pair, and the kernel sends SIGWINCH to the
// slave's foreground process group when it changes.
func copySize(src, dst *os.File) error {
	var ws *unix.Winsize
	if err := ctl(src, func(fd int) error {
		var err error
		ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		return err
	}); err != nil {
		return fmt.Errorf("get window size of %s: %w", src.Name(), err)
	}
	if err := ctl(dst, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) }); err != nil {
		return fmt.Errorf("set window size of %s: %w", dst.Name(), err)
	}
	return nil
}

// ctl runs fn on f's fd without f.Fd(), which would switch f to blocking
// mode and stop Close from interrupting the copy goroutines.
func ctl(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
