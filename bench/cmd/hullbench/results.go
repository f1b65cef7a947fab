package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
)

// entry is one runtime's figures for one case. Wall and CPU are in ms;
// RSS in KB (the runtime command's ru_maxrss, or VmRSS for created-init-rss).
type entry struct {
	Case     string   `json:"case"`
	Runtime  string   `json:"runtime"`
	Wall     *summary `json:"wall_ms,omitempty"`
	CPU      *summary `json:"cpu_ms,omitempty"`
	RSS      *summary `json:"rss_kb,omitempty"`
	Failures int      `json:"failures"`
}

type ratioRow struct {
	Case string   `json:"case"`
	Of   string   `json:"of"`
	To   string   `json:"to"`
	Wall *float64 `json:"wall,omitempty"`
	CPU  *float64 `json:"cpu,omitempty"`
	RSS  *float64 `json:"rss,omitempty"`
}

type target struct {
	What string `json:"what"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

type results struct {
	mu       sync.Mutex
	Host     map[string]string `json:"host"`
	Command  string            `json:"command"`
	N        int               `json:"n"`
	Entries  []*entry          `json:"results"`
	Ratios   []ratioRow        `json:"ratios"`
	Targets  []target          `json:"targets"`
	Errors   []string          `json:"errors,omitempty"`
	caseSeen []string
}

func (r *results) get(c, rt string) *entry {
	for _, e := range r.Entries {
		if e.Case == c && e.Runtime == rt {
			return e
		}
	}
	if !contains(r.caseSeen, c) {
		r.caseSeen = append(r.caseSeen, c)
	}
	e := &entry{Case: c, Runtime: rt}
	r.Entries = append(r.Entries, e)
	return e
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (r *results) add(c, rt string, ss []sample) {
	if len(ss) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w, cpu, rss := series(ss)
	e := r.get(c, rt)
	sw, sc, sr := summarize(w), summarize(cpu), summarize(rss)
	e.Wall, e.CPU, e.RSS = &sw, &sc, &sr
}

func (r *results) addKB(c, rt string, kb []float64) {
	if len(kb) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := summarize(kb)
	r.get(c, rt).RSS = &s
}

// fail counts a failed sample and keeps the first few messages: a runtime
// that breaks on one case must not stop the others from being measured.
func (r *results) fail(c, rt string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.get(c, rt).Failures++
	if len(r.Errors) < 20 {
		r.Errors = append(r.Errors, fmt.Sprintf("%s/%s: %v", c, rt, err))
		fmt.Fprintf(os.Stderr, "hullbench: %s/%s: %v\n", c, rt, err)
	}
}

func (r *results) setFailures(c, rt string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.get(c, rt).Failures = n
}

func (r *results) find(c, rt string) *entry {
	for _, e := range r.Entries {
		if e.Case == c && e.Runtime == rt {
			return e
		}
	}
	return nil
}

func med(s *summary) float64 {
	if s == nil {
		return math.NaN()
	}
	return s.Median
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// computeRatios fills hull/runc and hull/crun for every case, on medians.
func (r *results) computeRatios(of string, to []string) {
	for _, c := range r.caseSeen {
		a := r.find(c, of)
		if a == nil {
			continue
		}
		for _, t := range to {
			b := r.find(c, t)
			if b == nil {
				continue
			}
			r.Ratios = append(r.Ratios, ratioRow{Case: c, Of: of, To: t,
				Wall: finite(ratio(med(a.Wall), med(b.Wall))),
				CPU:  finite(ratio(med(a.CPU), med(b.CPU))),
				RSS:  finite(ratio(med(a.RSS), med(b.RSS))),
			})
		}
	}
}

// checkTargets evaluates issue 7's goals on this run's medians.
func (r *results) checkTargets() {
	le := func(what, c, field string, a, b *entry, factor float64) {
		if a == nil || b == nil {
			return
		}
		pick := func(e *entry) float64 {
			switch field {
			case "wall":
				return med(e.Wall)
			case "cpu":
				return med(e.CPU)
			}
			return med(e.RSS)
		}
		x, y := pick(a), pick(b)
		rr := ratio(x, y)
		r.Targets = append(r.Targets, target{What: what, Got: fmt.Sprintf("%.2f (%.2f vs %.2f)", rr, x, y), Met: !math.IsNaN(rr) && rr <= factor})
	}
	for _, c := range []string{"run", "create+start+delete"} {
		le(c+" wall <= 0.9 x crun", c, "wall", r.find(c, "hull"), r.find(c, "crun"), 0.9)
		le(c+" CPU <= 0.9 x crun", c, "cpu", r.find(c, "hull"), r.find(c, "crun"), 0.9)
	}
	le("exec wall <= crun", "exec", "wall", r.find("exec", "hull"), r.find("exec", "crun"), 1)
	le("exec CPU <= crun", "exec", "cpu", r.find("exec", "hull"), r.find("exec", "crun"), 1)
	for _, c := range []string{"create", "start", "exec", "delete"} {
		le(c+" peak RSS <= 0.5 x runc", c, "rss", r.find(c, "hull"), r.find(c, "runc"), 0.5)
	}
	if e := r.find("created-init-rss", "hull"); e != nil && e.RSS != nil {
		r.Targets = append(r.Targets, target{What: "created init RSS <= 4096 KB", Got: fmt.Sprintf("%.0f KB", e.RSS.Median), Met: e.RSS.Median <= 4096})
	}
	for _, c := range r.caseSeen {
		if strings.HasPrefix(c, "parallel-create-") {
			if e := r.find(c, "hull"); e != nil {
				r.Targets = append(r.Targets, target{What: c + " without failures", Got: fmt.Sprintf("%d failures", e.Failures), Met: e.Failures == 0})
			}
			le(c+" total wall <= crun", c, "wall", r.find(c, "hull"), r.find(c, "crun"), 1)
		}
	}
}

func fmtSum(s *summary) string {
	if s == nil {
		return "-"
	}
	if s.N == 1 {
		return fmt.Sprintf("%.1f", s.Median)
	}
	return fmt.Sprintf("%.1f [%.1f-%.1f]", s.Median, s.P10, s.P90)
}

func fmtRatio(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *p)
}

// printTable writes the human-readable report.
func (r *results) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%-22s %-6s %-24s %-24s %-26s %s\n", "case", "rt", "wall ms med [p10-p90]", "cpu ms med [p10-p90]", "rss KB med [p10-p90]", "fail")
	for _, c := range r.caseSeen {
		for _, e := range r.Entries {
			if e.Case != c {
				continue
			}
			fmt.Fprintf(w, "%-22s %-6s %-24s %-24s %-26s %d\n", c, e.Runtime, fmtSum(e.Wall), fmtSum(e.CPU), fmtSum(e.RSS), e.Failures)
		}
	}
	fmt.Fprintf(w, "\n%-22s %-12s %-6s %-6s %s\n", "ratio (medians)", "", "wall", "cpu", "rss")
	for _, x := range r.Ratios {
		fmt.Fprintf(w, "%-22s %-12s %-6s %-6s %s\n", x.Case, x.Of+"/"+x.To, fmtRatio(x.Wall), fmtRatio(x.CPU), fmtRatio(x.RSS))
	}
	fmt.Fprintf(w, "\ntargets (issue 7)\n")
	for _, t := range r.Targets {
		mark := "MISS"
		if t.Met {
			mark = "met "
		}
		fmt.Fprintf(w, "  %s  %-40s %s\n", mark, t.What, t.Got)
	}
}

func (r *results) writeJSON(p string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}
