package main

import (
	"strings"
	"testing"
)

func TestStatusProblems(t *testing.T) {
	ok := TAPResult{Documents: 1, Plans: 1, Planned: 1, Total: 1, Passed: 1}
	cases := []struct {
		name string
		r    FileResult
		want Status
		prob string
	}{
		{"clean", FileResult{Name: "a", TAP: ok}, StatusPass, ""},
		{"exit", FileResult{Name: "a", TAP: ok, ExitCode: 1}, StatusFail, "exit status 1"},
		{"timeout", FileResult{Name: "a", TAP: ok, TimedOut: true, ExitCode: -1}, StatusFail, "timed out"},
		{"noplan", FileResult{Name: "a", TAP: TAPResult{Documents: 1, Total: 1, Passed: 1}}, StatusFail, "no TAP plan"},
		{"short", FileResult{Name: "a", TAP: TAPResult{Documents: 1, Plans: 1, Planned: 3, Total: 1, Passed: 1}}, StatusFail, "plans say 3 assertions, 1 printed"},
		// The *_fail programs print nothing when the runtime refuses.
		{"silent pass", FileResult{Name: "process_rlimits_fail", TAP: TAPResult{Empty: true}}, StatusPass, ""},
		{"silent crash", FileResult{Name: "process_rlimits_fail", TAP: TAPResult{Empty: true}, ExitCode: 1}, StatusFail, "exit status 1"},
		// Anyone else printing nothing has failed (process_capabilities
		// when the container dies before runtimetest prints).
		{"silent other", FileResult{Name: "process_capabilities", TAP: TAPResult{Empty: true}}, StatusFail, "no TAP plan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.r.Status(); got != c.want {
				t.Errorf("status = %s, want %s (problems %v)", got, c.want, c.r.Problems())
			}
			p := strings.Join(c.r.Problems(), "; ")
			if (c.prob == "") != (p == "") || !strings.Contains(p, c.prob) {
				t.Errorf("problems = %q, want %q", p, c.prob)
			}
		})
	}
}
