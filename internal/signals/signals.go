// Package signals parses the signal names and numbers accepted by `kill`.
package signals

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Real-time signal range as user space sees it. The kernel's range starts at
// 32, but glibc and musl reserve 32 and 33 for thread cancellation and
// setxid broadcasts, so SIGRTMIN is 34 for every program a container runs.
const (
	rtMin = 34
	rtMax = 64
)

// byName maps names without the "SIG" prefix to numbers (signal(7), x86 and
// arm64 numbering). Aliases are included because shells and runc accept them.
var byName = map[string]unix.Signal{
	"HUP": unix.SIGHUP, "INT": unix.SIGINT, "QUIT": unix.SIGQUIT, "ILL": unix.SIGILL,
	"TRAP": unix.SIGTRAP, "ABRT": unix.SIGABRT, "IOT": unix.SIGIOT, "BUS": unix.SIGBUS,
	"FPE": unix.SIGFPE, "KILL": unix.SIGKILL, "USR1": unix.SIGUSR1, "SEGV": unix.SIGSEGV,
	"USR2": unix.SIGUSR2, "PIPE": unix.SIGPIPE, "ALRM": unix.SIGALRM, "TERM": unix.SIGTERM,
	"STKFLT": unix.SIGSTKFLT, "CHLD": unix.SIGCHLD, "CLD": unix.SIGCHLD, "CONT": unix.SIGCONT,
	"STOP": unix.SIGSTOP, "TSTP": unix.SIGTSTP, "TTIN": unix.SIGTTIN, "TTOU": unix.SIGTTOU,
	"URG": unix.SIGURG, "XCPU": unix.SIGXCPU, "XFSZ": unix.SIGXFSZ, "VTALRM": unix.SIGVTALRM,
	"PROF": unix.SIGPROF, "WINCH": unix.SIGWINCH, "IO": unix.SIGIO, "POLL": unix.SIGPOLL,
	"PWR": unix.SIGPWR, "SYS": unix.SIGSYS,
}

// Parse accepts a signal name with or without the SIG prefix in any case
// ("KILL", "SIGKILL", "kill"), a number ("9"), or a real-time signal written
// as RTMIN, RTMIN+n, RTMAX or RTMAX-n (with or without SIG).
func Parse(s string) (unix.Signal, error) {
	unknown := fmt.Errorf("unknown signal %q", s)
	if n, err := strconv.Atoi(s); err == nil {
		// 0 only probes for existence; it is not a signal to deliver.
		if n < 1 || n > rtMax {
			return 0, unknown
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(strings.TrimSpace(s))
	name = strings.TrimPrefix(name, "SIG")
	if sig, ok := byName[name]; ok {
		return sig, nil
	}
	if n, ok := parseRealtime(name); ok {
		return unix.Signal(n), nil
	}
	return 0, unknown
}

// parseRealtime handles RTMIN, RTMIN+n, RTMAX and RTMAX-n.
func parseRealtime(name string) (int, bool) {
	base, sign, rest := 0, 0, ""
	switch {
	case strings.HasPrefix(name, "RTMIN"):
		base, sign, rest = rtMin, 1, name[len("RTMIN"):]
	case strings.HasPrefix(name, "RTMAX"):
		base, sign, rest = rtMax, -1, name[len("RTMAX"):]
	default:
		return 0, false
	}
	if rest == "" {
		return base, true
	}
	want := "+"
	if sign < 0 {
		want = "-"
	}
	if !strings.HasPrefix(rest, want) {
		return 0, false
	}
	off, err := strconv.Atoi(rest[1:])
	if err != nil || off < 0 || strings.HasPrefix(rest[1:], "+") || strings.HasPrefix(rest[1:], "-") {
		return 0, false
	}
	n := base + sign*off
	if n < rtMin || n > rtMax {
		return 0, false
	}
	return n, true
}

// Name returns the conventional name of sig ("SIGKILL", "SIGRTMIN+3"), or its
// number as a string if it has none.
func Name(sig unix.Signal) string {
	n := int(sig)
	if n >= rtMin && n <= rtMax {
		switch {
		case n == rtMin:
			return "SIGRTMIN"
		case n == rtMax:
			return "SIGRTMAX"
		case n-rtMin <= rtMax-n:
			return fmt.Sprintf("SIGRTMIN+%d", n-rtMin)
		default:
			return fmt.Sprintf("SIGRTMAX-%d", rtMax-n)
		}
	}
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return strconv.Itoa(n)
}

// Forwarded lists the signals a foreground `run` or `exec` catches and relays
// to the container: what people and tools send to a process they wait on
// (kill's TERM, Ctrl-C's INT, Ctrl-\'s QUIT, HUP when the terminal goes,
// USR1/USR2 for reloads) and WINCH, unless hull holds the container's
// terminal (it resizes the pty then, and the kernel signals the container's
// foreground group). Others reach hull with their default action, as with
// crun; runc catches all 64, which costs it a thread hand-off each.
var Forwarded = []unix.Signal{
	unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH,
}
