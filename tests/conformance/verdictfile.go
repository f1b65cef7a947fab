package main

import (
	"fmt"
	"os"
	"strings"
)

// Verdict words in the -verdicts file. XFAIL: failed, and every failure is
// excused by the allow-list; XPASS: passed although an entry would excuse a
// failure here.
const (
	wordPass  = "PASS"
	wordFail  = "FAIL"
	wordXFail = "XFAIL"
	wordXPass = "XPASS"
	wordSkip  = "SKIP"
)

// VerdictLine is one program's line in the -verdicts file:
// "NAME<TAB>WORD<TAB>why" with no tab or newline inside why, so that a shell
// loop (`while IFS=$'\t' read -r name word why`) can turn it into TAP.
func VerdictLine(name string, v Verdict) string {
	r := v.Result
	word, why := wordPass, ""
	switch {
	case r == nil:
		word, why = wordFail, "not run"
	case v.Failed():
		word, why = wordFail, strings.Join(v.Unexpected, " | ")
	case r.Status() == StatusFail:
		word = wordXFail
		var reasons []string
		for _, e := range v.Covering {
			reasons = append(reasons, fmt.Sprintf("[%s] %s", e.Kind, e.Reason))
		}
		why = strings.Join(reasons, " | ")
	case v.XPass:
		word, why = wordXPass, "passes although the allow-list excuses it here"
	case r.Status() == StatusSkip:
		word, why = wordSkip, r.TAP.PlanSkip
	}
	if r != nil {
		counts := fmt.Sprintf("%d/%d ok, %.1fs", r.TAP.Passed, r.TAP.Total, r.Duration.Seconds())
		if why == "" {
			why = counts
		} else {
			why = counts + "; " + why
		}
	}
	why = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(why)
	return name + "\t" + word + "\t" + why
}

// WriteVerdictFile writes one VerdictLine per program, in order.
func WriteVerdictFile(path string, order []string, verdicts map[string]Verdict) error {
	var b strings.Builder
	for _, name := range order {
		b.WriteString(VerdictLine(name, verdicts[name]))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write verdicts %s: %w", path, err)
	}
	return nil
}
