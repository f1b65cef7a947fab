package main

import (
	"reflect"
	"strings"
	"testing"
)

func parse(t *testing.T, s string) TAPResult {
	t.Helper()
	r, err := ParseTAP(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ParseTAP: %v", err)
	}
	return r
}

func TestParseTAPCounts(t *testing.T) {
	r := parse(t, `TAP version 13
ok 1 - first
not ok 2 - second
  ---
  {
    "error": "exit status 1",
    "stderr": "container is stopped\n"
  }
  ...
ok 3 - third # SKIP no cgroup
not ok 4 - fourth # TODO later
ok 5
1..5
`)
	if r.Passed != 2 || r.Skipped != 1 || r.Todo != 1 || r.Total != 5 || r.Planned != 5 || r.Plans != 1 {
		t.Errorf("counts = %+v", r)
	}
	if len(r.Failed) != 1 || r.Failed[0].Number != 2 || r.Failed[0].Description != "second" {
		t.Fatalf("failed = %+v", r.Failed)
	}
	if !strings.Contains(r.Failed[0].Detail, "container is stopped") {
		t.Errorf("detail = %q", r.Failed[0].Detail)
	}
	if len(r.OrphanErrors) != 0 || len(r.Numbering) != 0 {
		t.Errorf("orphans %v numbering %v", r.OrphanErrors, r.Numbering)
	}
}

// runtimetest's TAP comes back indented inside a YAML block: its "not ok"
// lines must not count as the outer program's.
func TestParseTAPIgnoresNestedTAP(t *testing.T) {
	r := parse(t, `TAP version 13
ok 1 - runtimetest
  ---
  {
    "stdout": "TAP version 13\nnot ok 1 - inner\n1..1\n"
  }
  ...
not ok 1 - inner
  not ok 2 - indented
1..1
`)
	// "not ok 1 - inner" at column 0 repeats number 1: a numbering problem,
	// and a failure.
	if r.Passed != 1 || len(r.Failed) != 1 || len(r.Numbering) != 1 {
		t.Errorf("got %+v", r)
	}
}

// hooks, prestart, poststart_fail... report failure only as a YAML "error"
// outside any assertion, followed by "1..0".
func TestParseTAPOrphanError(t *testing.T) {
	r := parse(t, `TAP version 13
  ---
  {
    "error": "Hooks MUST be called in the listed order\nRefer to: https://x"
  }
  ...
1..0
`)
	want := []string{"Hooks MUST be called in the listed order"}
	if !reflect.DeepEqual(r.OrphanErrors, want) {
		t.Errorf("orphans = %q, want %q", r.OrphanErrors, want)
	}
	res := FileResult{Name: "hooks", TAP: r}
	if res.Status() != StatusFail {
		t.Errorf("status = %s, want FAIL", res.Status())
	}
}

// A description with an embedded newline ("...\nRefer to: <url>", as in
// state) keeps its YAML block: an "error" key there belongs to an ok
// assertion and is not a failure.
func TestParseTAPMultiLineDescriptionKeepsYAML(t *testing.T) {
	r := parse(t, `TAP version 13
ok 1 - state MUST generate an error if it is not provided the ID of a container
Refer to: https://example/runtime.md#query-state
  ---
  {
    "error": "exit status 1"
  }
  ...
1..1
`)
	if len(r.OrphanErrors) != 0 || r.Passed != 1 {
		t.Errorf("got %+v", r)
	}
	// A second block after the same assertion is an orphan.
	r = parse(t, `ok 1 - a
  ---
  {}
  ...
  ---
  {
    "error": "second block"
  }
  ...
1..1
`)
	if !reflect.DeepEqual(r.OrphanErrors, []string{"second block"}) {
		t.Errorf("orphans = %q", r.OrphanErrors)
	}
}

// linux_cgroups_cpus prints two TAP documents; each has its own numbering
// and plan.
func TestParseTAPSeveralDocuments(t *testing.T) {
	r := parse(t, `TAP version 13
ok 1 - a
ok 2 - b
1..2
TAP version 13
ok 1 - c
1..1
`)
	res := FileResult{Name: "x", TAP: r}
	if r.Documents != 2 || r.Planned != 3 || r.Total != 3 || len(r.Numbering) != 0 {
		t.Errorf("got %+v", r)
	}
	if res.Status() != StatusPass {
		t.Errorf("status %s, problems %v", res.Status(), res.Problems())
	}
}

func TestParseTAPPlanSkip(t *testing.T) {
	r := parse(t, "TAP version 13\n1..0 # SKIP linux-specific\n")
	res := FileResult{Name: "x", TAP: r}
	if r.PlanSkip != "linux-specific" || res.Status() != StatusSkip {
		t.Errorf("got %+v status %s", r, res.Status())
	}
}

func TestParseTAPBailOut(t *testing.T) {
	r := parse(t, "ok 1 - a\nBail out! no runtime\n1..1\n")
	res := FileResult{Name: "x", TAP: r}
	if r.BailOut != "no runtime" || res.Status() != StatusFail {
		t.Errorf("got %+v", r)
	}
}
