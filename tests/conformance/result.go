package main

import (
	"fmt"
	"time"
)

// Status of one validation program (one "file" of the suite).
type Status string

const (
	StatusPass Status = "PASS"
	StatusFail Status = "FAIL"
	// StatusSkip: the program skipped its whole plan ("1..N # SKIP"),
	// e.g. runtime-tools found nothing to test on this host.
	StatusSkip Status = "SKIP"
)

// FileResult is the outcome of running one validation program.
type FileResult struct {
	Name     string
	TAP      TAPResult
	ExitCode int
	TimedOut bool
	RunError string // could not be started at all
	Duration time.Duration
	// LogPath holds the program's stdout (TAP) and stderr, for finding causes.
	LogPath string
	// Output is the program's stdout then stderr (the first maxOutput
	// bytes of each): TAP comments and util.Fatal messages that pin an
	// expected failure to its known cause (Expectation.Output).
	Output string
}

// maxOutput bounds what FileResult.Output keeps of each stream.
const maxOutput = 1 << 20

// silentWhenPassing names the programs that print no TAP at all and exit 0
// when the runtime rightly refuses their config at create, and call
// util.Fatal (exit 1) when it accepts it. Any other program that prints
// nothing has failed: process_capabilities, for one, exits 0 with empty
// output when the container's process dies before printing.
var silentWhenPassing = map[string]bool{
	"process_capabilities_fail": true,
	"process_rlimits_fail":      true,
}

// Problems lists why the file is not a clean pass apart from its failing
// assertions: a crash (util.Fatal exits 1 before printing a plan), a
// timeout, a plan that does not match the assertions printed, an error
// reported outside any assertion.
func (r *FileResult) Problems() []string {
	p := r.runProblems()
	for _, e := range r.TAP.OrphanErrors {
		p = append(p, "error outside any assertion: "+e)
	}
	return p
}

// runProblems is Problems without the orphan errors: what no assertion-level
// expectation can excuse.
func (r *FileResult) runProblems() []string {
	var p []string
	if r.RunError != "" {
		p = append(p, "not run: "+r.RunError)
	}
	if r.TimedOut {
		p = append(p, "timed out")
	} else if r.ExitCode != 0 && r.RunError == "" {
		p = append(p, fmt.Sprintf("exit status %d", r.ExitCode))
	}
	if r.TAP.BailOut != "" {
		p = append(p, "bail out: "+r.TAP.BailOut)
	}
	switch {
	case r.TAP.Empty && silentWhenPassing[r.Name] && r.ExitCode == 0 && r.RunError == "" && !r.TimedOut:
		// See silentWhenPassing.
	case r.TAP.Plans == 0:
		p = append(p, "no TAP plan")
	case r.TAP.Plans < r.TAP.Documents:
		p = append(p, fmt.Sprintf("%d TAP documents but %d plans", r.TAP.Documents, r.TAP.Plans))
	case r.TAP.Planned != r.TAP.Total:
		p = append(p, fmt.Sprintf("plans say %d assertions, %d printed", r.TAP.Planned, r.TAP.Total))
	}
	p = append(p, r.TAP.Numbering...)
	return p
}

// Status: PASS when the program ran to its plan with no failing assertion;
// SKIP when it skipped its whole plan; FAIL otherwise.
func (r *FileResult) Status() Status {
	if len(r.TAP.Failed) > 0 || len(r.Problems()) > 0 {
		return StatusFail
	}
	if r.TAP.PlanSkip != "" || (r.TAP.Total > 0 && r.TAP.Skipped == r.TAP.Total) {
		return StatusSkip
	}
	return StatusPass
}
