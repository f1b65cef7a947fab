package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// RuntimeRun is one runtime's results over the whole suite.
type RuntimeRun struct {
	Label   string
	Results []FileResult // in program order
}

// Totals over a run.
type Totals struct {
	Files, FilesPass, FilesFail, FilesSkip int
	Ok, NotOk, Skip                        int
}

// Sum adds up files and assertions.
func (r RuntimeRun) Sum() Totals {
	var t Totals
	for i := range r.Results {
		res := &r.Results[i]
		t.Files++
		switch res.Status() {
		case StatusPass:
			t.FilesPass++
		case StatusFail:
			t.FilesFail++
		case StatusSkip:
			t.FilesSkip++
		}
		t.Ok += res.TAP.Passed
		t.NotOk += len(res.TAP.Failed)
		t.Skip += res.TAP.Skipped
	}
	return t
}

func (t Totals) String() string {
	return fmt.Sprintf("%d/%d files pass (%d fail, %d skip); assertions %d ok, %d not ok, %d skip",
		t.FilesPass, t.Files, t.FilesFail, t.FilesSkip, t.Ok, t.NotOk, t.Skip)
}

// cell is one runtime's column for a file: status and ok/printed counts,
// with a crash or timeout named since its counts say nothing.
func cell(r *FileResult) string {
	s := fmt.Sprintf("%s %d/%d", r.Status(), r.TAP.Passed, r.TAP.Total)
	if r.TAP.Skipped > 0 {
		s += fmt.Sprintf(" %dskip", r.TAP.Skipped)
	}
	switch {
	case r.RunError != "":
		s += " (not run)"
	case r.TimedOut:
		s += " (timeout)"
	case r.ExitCode != 0:
		s += fmt.Sprintf(" (exit %d)", r.ExitCode)
	case r.TAP.Empty && r.Status() == StatusPass:
		s += " (refused, silent)"
	case r.TAP.Plans == 0:
		s += " (no plan)"
	case len(r.TAP.OrphanErrors) > 0:
		s += " (error)"
	}
	return s
}

// WriteTable prints one row per program, one column per runtime, and a
// totals line per runtime. verdicts (may be nil) belong to runs[0] and add
// the allow-list's word on each of its failures.
func WriteTable(w io.Writer, runs []RuntimeRun, verdicts map[string]Verdict) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"FILE"}
	for _, r := range runs {
		header = append(header, r.Label)
	}
	if verdicts != nil {
		header = append(header, runs[0].Label+" vs allow-list")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	byName := make([]map[string]*FileResult, len(runs))
	for i, r := range runs {
		byName[i] = map[string]*FileResult{}
		for j := range r.Results {
			byName[i][r.Results[j].Name] = &r.Results[j]
		}
	}
	for _, res := range runs[0].Results {
		row := []string{res.Name}
		for i := range runs {
			if other, ok := byName[i][res.Name]; ok {
				row = append(row, cell(other))
			} else {
				row = append(row, "-")
			}
		}
		if verdicts != nil {
			row = append(row, verdictWord(verdicts[res.Name]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for _, r := range runs {
		if _, err := fmt.Fprintf(w, "TOTAL %s: %s\n", r.Label, r.Sum()); err != nil {
			return fmt.Errorf("write totals: %w", err)
		}
	}
	return nil
}

func verdictWord(v Verdict) string {
	if v.Result == nil {
		return ""
	}
	switch {
	case v.Failed():
		return "UNEXPECTED"
	case v.XPass:
		return "passes (allow-listed here)"
	case v.Result.Status() == StatusFail:
		kinds := map[Kind]bool{}
		var ks []string
		for _, e := range v.Covering {
			if !kinds[e.Kind] {
				kinds[e.Kind] = true
				ks = append(ks, string(e.Kind))
			}
		}
		return "expected (" + strings.Join(ks, ",") + ")"
	}
	return ""
}

// WriteVerdicts explains the checked runtime's failures: the allow-listed
// ones with their reasons, then the unexpected ones with what failed and
// where the log is. It returns how many files failed unexpectedly.
func WriteVerdicts(w io.Writer, label string, order []string, verdicts map[string]Verdict) int {
	fmt.Fprintf(w, "\nExpected failures of %s (allow-list, see expected.go):\n", label)
	n := 0
	for _, name := range order {
		v := verdicts[name]
		if v.Result == nil || v.Failed() || v.Result.Status() != StatusFail {
			continue
		}
		for _, e := range v.Covering {
			scope := "whole file"
			if len(e.Assertions) > 0 {
				scope = "assertions matching " + strings.Join(quoteAll(e.Assertions), ", ")
			}
			fmt.Fprintf(w, "  %-32s [%s] %s: %s\n", name, e.Kind, scope, e.Reason)
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	var xpass []string
	for _, name := range order {
		if v := verdicts[name]; v.XPass {
			xpass = append(xpass, name)
		}
	}
	if len(xpass) > 0 {
		fmt.Fprintf(w, "Allow-listed here but passed (stale entry, or a host condition misjudged): %s\n", strings.Join(xpass, ", "))
	}
	unexpected := 0
	fmt.Fprintf(w, "\nUnexpected failures of %s:\n", label)
	for _, name := range order {
		v := verdicts[name]
		if !v.Failed() {
			continue
		}
		unexpected++
		fmt.Fprintf(w, "  %s (log %s)\n", name, v.Result.LogPath)
		for _, u := range v.Unexpected {
			fmt.Fprintf(w, "      %s\n", u)
		}
	}
	if unexpected == 0 {
		fmt.Fprintln(w, "  none")
	}
	return unexpected
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
