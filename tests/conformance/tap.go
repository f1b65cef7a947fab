package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// TAPResult is what one validation program reported. Only unindented lines
// count: runtimetest's own TAP comes back nested inside YAML diagnostics
// (indented), and its "not ok" lines are already summarised by the outer
// assertion.
//
// A program may print several TAP documents one after another (e.g.
// linux_cgroups_cpus calls tap.New twice); each "TAP version" header starts
// a new document with its own numbering and plan, and the counts add up.
type TAPResult struct {
	Documents int    // "TAP version" headers (a headerless stream counts as one)
	Plans     int    // plan lines seen
	Planned   int    // sum of the plans' assertion counts
	PlanSkip  string // "1..0 # SKIP why"
	Passed    int
	Failed    []Assertion
	Skipped   int
	Todo      int
	Total     int // assertion lines seen
	BailOut   string
	Numbering []string // numbering problems (out of order, duplicates)
	// OrphanErrors are "error" values of YAML diagnostics that belong to no
	// assertion. Several runtime-tools programs (hooks, prestart, poststart,
	// poststop, state) report a failed lifecycle only this way and then
	// print a plan for zero or fewer assertions, so a plain TAP consumer
	// would count them as passing.
	OrphanErrors []string
	// Empty: no TAP at all (see silentWhenPassing).
	Empty bool
}

// Assertion is one "not ok" line.
type Assertion struct {
	Number      int
	Description string
	// Detail is the YAML diagnostic that followed the line, if any (the
	// runtime's stderr usually sits there).
	Detail string
}

var (
	yamlErrRE = regexp.MustCompile(`^\s*"?error"?\s*:\s*(.*)$`)
	planRE    = regexp.MustCompile(`^(\d+)\.\.(\d+)\s*(?:#\s*(.*))?$`)
	testRE    = regexp.MustCompile(`^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$`)
)

// ParseTAP reads TAP 12/13 output. It never fails on malformed lines (a
// crashing program prints anything); those simply do not count, and the
// missing plan or assertions turn into a failure in Verdict.
func ParseTAP(r io.Reader) (TAPResult, error) {
	var res TAPResult
	seen := map[int]bool{}
	next := 1
	// A YAML block directly after an assertion line is that assertion's
	// diagnostic; any other block is an orphan.
	afterTest := false
	inYAML, attached := false, false
	lastFailed := -1 // index in res.Failed of the assertion just read
	var yamlErr string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			trimmed := strings.TrimSpace(line)
			switch {
			case !inYAML && trimmed == "---":
				inYAML, attached, yamlErr = true, afterTest, ""
				afterTest = false
			case inYAML && trimmed == "...":
				inYAML = false
				if !attached && yamlErr != "" {
					res.OrphanErrors = append(res.OrphanErrors, yamlErr)
				}
			case inYAML:
				if attached && lastFailed >= 0 {
					res.Failed[lastFailed].Detail += trimmed + "\n"
				}
				if yamlErr == "" {
					if m := yamlErrRE.FindStringSubmatch(line); m != nil {
						yamlErr = firstLine(m[1])
					}
				}
			}
			continue
		}
		// Other unindented text (a description's second line, such as
		// runtime-tools' "Refer to: <url>") keeps afterTest: the YAML
		// block that follows still belongs to the assertion.
		if strings.HasPrefix(line, "TAP version") {
			afterTest = false
			res.Documents++
			seen, next = map[int]bool{}, 1
			continue
		}
		if res.Documents == 0 {
			res.Documents = 1
		}
		if strings.HasPrefix(line, "Bail out!") {
			afterTest = false
			res.BailOut = strings.TrimSpace(strings.TrimPrefix(line, "Bail out!"))
			if res.BailOut == "" {
				res.BailOut = "bail out"
			}
			continue
		}
		if m := planRE.FindStringSubmatch(line); m != nil {
			afterTest = false
			start, _ := strconv.Atoi(m[1])
			end, _ := strconv.Atoi(m[2])
			res.Plans++
			res.Planned += end - start + 1
			if d := strings.TrimSpace(m[3]); d != "" && strings.HasPrefix(strings.ToUpper(d), "SKIP") {
				res.PlanSkip = strings.TrimSpace(d[4:])
				if res.PlanSkip == "" {
					res.PlanSkip = "skipped"
				}
			}
			continue
		}
		m := testRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res.Total++
		afterTest = true
		lastFailed = -1
		num := next
		if m[2] != "" {
			num, _ = strconv.Atoi(m[2])
		}
		if seen[num] {
			res.Numbering = append(res.Numbering, fmt.Sprintf("assertion %d reported twice", num))
		} else if num != next {
			res.Numbering = append(res.Numbering, fmt.Sprintf("assertion %d out of order (expected %d)", num, next))
		}
		seen[num] = true
		next = num + 1

		directive := strings.ToUpper(strings.TrimSpace(m[4]))
		switch {
		case strings.HasPrefix(directive, "SKIP"):
			res.Skipped++
		case strings.HasPrefix(directive, "TODO"):
			// A failing TODO is not a failure, per the TAP spec.
			res.Todo++
		case m[1] == "ok":
			res.Passed++
		default:
			res.Failed = append(res.Failed, Assertion{Number: num, Description: m[3]})
			lastFailed = len(res.Failed) - 1
		}
	}
	res.Empty = res.Documents == 0 && res.Total == 0 && res.Plans == 0
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("read TAP: %w", err)
	}
	return res, nil
}

// firstLine trims a JSON/YAML scalar to its first line, unquoted, for a
// one-line report.
func firstLine(v string) string {
	v = strings.TrimSuffix(strings.TrimSpace(v), ",")
	if u, err := strconv.Unquote(v); err == nil {
		v = u
	}
	if i := strings.IndexByte(v, '\n'); i >= 0 {
		v = v[:i]
	}
	if len(v) > 200 {
		v = v[:200] + "..."
	}
	return v
}
