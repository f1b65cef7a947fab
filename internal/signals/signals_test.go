package signals

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want unix.Signal
	}{
		{"KILL", unix.SIGKILL},
		{"SIGKILL", unix.SIGKILL},
		{"kill", unix.SIGKILL},
		{"sigkill", unix.SIGKILL},
		{"9", unix.SIGKILL},
		{"TERM", unix.SIGTERM},
		{"15", unix.SIGTERM},
		{"SIGHUP", unix.SIGHUP},
		{"winch", unix.SIGWINCH},
		{"SIGUSR1", unix.SIGUSR1},
		{"usr2", unix.SIGUSR2},
		{"IOT", unix.SIGABRT},
		{"CLD", unix.SIGCHLD},
		{"POLL", unix.SIGIO},
		{"SIGSTKFLT", 16},
		{"PWR", 30},
		{"SYS", 31},
		{"RTMIN", 34},
		{"SIGRTMIN", 34},
		{"SIGRTMIN+3", 37},
		{"RTMIN+3", 37},
		{"rtmin+30", 64},
		{"RTMAX", 64},
		{"RTMAX-1", 63},
		{"SIGRTMAX-30", 34},
		{"1", 1},
		{"64", 64},
		{"34", 34},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"FOO", "", "0", "65", "-9", "SIG", "SIGSIGKILL", "RTMIN+31", "RTMAX-31",
		"RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN+x", "RTMIN++1", "RTMAX--1", "9x", "KILL9"} {
		_, err := Parse(in)
		want := `unknown signal "` + in + `"`
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) error = %v, want %s", in, err, want)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		sig  unix.Signal
		want string
	}{
		{unix.SIGKILL, "SIGKILL"},
		{unix.SIGTERM, "SIGTERM"},
		{34, "SIGRTMIN"},
		{37, "SIGRTMIN+3"},
		{63, "SIGRTMAX-1"},
		{64, "SIGRTMAX"},
		{99, "99"},
	}
	for _, tc := range tests {
		if got := Name(tc.sig); got != tc.want {
			t.Errorf("Name(%d) = %q, want %q", tc.sig, got, tc.want)
		}
		// Every name Name produces parses back to the same signal.
		if tc.sig <= 64 {
			if back, err := Parse(tc.want); err != nil || back != tc.sig {
				t.Errorf("Parse(Name(%d)) = %d, %v", tc.sig, back, err)
			}
		}
	}
}
