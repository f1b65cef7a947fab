package main

import (
	"strings"
	"testing"
)

func failing(name string, a ...Assertion) *FileResult {
	return &FileResult{Name: name, TAP: TAPResult{Documents: 1, Plans: 1, Planned: len(a) + 1, Total: len(a) + 1, Passed: 1, Failed: a}}
}

var testList = []Expectation{
	{File: "whole", Kind: KindHost, Reason: "r", Applies: func(h Host) bool { return !h.AppArmor }},
	{File: "part", Kind: KindSuite, Assertions: []string{"pids limit"}, Reason: "r"},
	{File: "detail", Kind: KindSuite, Assertions: []string{"works"}, Detail: "is stopped", Reason: "r"},
}

func TestJudgeWholeFileOnlyWhereHostLacksFeature(t *testing.T) {
	r := &FileResult{Name: "whole", ExitCode: 1}
	if v := Judge(r, testList, Host{}); v.Failed() || len(v.Covering) != 1 {
		t.Errorf("host without AppArmor: %+v", v)
	}
	// On a host that has the feature the same failure is a runtime bug.
	if v := Judge(r, testList, Host{AppArmor: true}); !v.Failed() {
		t.Errorf("host with AppArmor: failure excused")
	}
}

func TestJudgeAssertionScope(t *testing.T) {
	r := failing("part", Assertion{Number: 2, Description: "pids limit is set correctly"})
	if v := Judge(r, testList, Host{}); v.Failed() {
		t.Errorf("covered assertion reported: %v", v.Unexpected)
	}
	r = failing("part", Assertion{Number: 2, Description: "pids limit is set correctly"}, Assertion{Number: 3, Description: "other"})
	v := Judge(r, testList, Host{})
	if len(v.Unexpected) != 1 || !strings.Contains(v.Unexpected[0], "not ok 3 - other") {
		t.Errorf("unexpected = %v", v.Unexpected)
	}
	// A crash is never excused by an assertion-level entry.
	r = failing("part", Assertion{Number: 2, Description: "pids limit is set correctly"})
	r.ExitCode = 2
	if v := Judge(r, testList, Host{}); !v.Failed() {
		t.Error("crash excused")
	}
}

func TestJudgeDetail(t *testing.T) {
	r := failing("detail", Assertion{Number: 1, Description: "create works", Detail: `"stderr": "it is stopped"`})
	if v := Judge(r, testList, Host{}); v.Failed() {
		t.Errorf("known cause reported: %v", v.Unexpected)
	}
	r = failing("detail", Assertion{Number: 1, Description: "create works", Detail: `"stderr": "wrong pid"`})
	if v := Judge(r, testList, Host{}); !v.Failed() {
		t.Error("other cause excused")
	}
}

func TestJudgeOrphanErrors(t *testing.T) {
	list := []Expectation{{File: "prestart", Kind: KindSuite, Assertions: []string{"after the `start`"}, Reason: "r"}}
	r := &FileResult{Name: "prestart", TAP: TAPResult{Documents: 1, Plans: 1, OrphanErrors: []string{"Pre-start hooks MUST be called after the `start` operation is called"}}}
	if v := Judge(r, list, Host{}); v.Failed() {
		t.Errorf("covered orphan reported: %v", v.Unexpected)
	}
	r.TAP.OrphanErrors = []string{"The prestart hooks MUST be invoked by the runtime"}
	if v := Judge(r, list, Host{}); !v.Failed() {
		t.Error("other orphan error excused")
	}
}

func TestJudgeXPass(t *testing.T) {
	r := failing("part")
	if v := Judge(r, testList, Host{}); v.Failed() || !v.XPass {
		t.Errorf("got %+v", v)
	}
}

// Every entry says why, names a kind, and covers a program of the suite.
func TestExpectedEntriesExplainThemselves(t *testing.T) {
	for _, e := range Expected {
		if len(e.Reason) < 20 {
			t.Errorf("%s: reason %q too short to explain anything", e.File, e.Reason)
		}
		if e.Kind != KindHost && e.Kind != KindSuite {
			t.Errorf("%s: kind %q", e.File, e.Kind)
		}
		if e.Kind == KindHost && e.Applies == nil {
			t.Errorf("%s: a host entry needs a host condition", e.File)
		}
	}
}
