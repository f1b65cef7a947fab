package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The VM harness runs the cgroup programs on pure cgroup v2, where the
// pinned suite cannot read any cgroup: those failures are excused there, and
// only when the program printed the suite's own message.
func TestJudgeNoV2OnlyOnPureV2WithTheSuitesMessage(t *testing.T) {
	v2 := Host{CgroupV2Only: true, NetInterfaces: 1}
	hybrid := Host{V1Controllers: map[string]string{"memory": "/sys/fs/cgroup/memory"}, NetInterfaces: 2}
	r := failing("linux_cgroups_memory", Assertion{Number: 1, Description: "find memory cgroup"})
	r.Output = "not ok 1 - find memory cgroup\n# cgroupv2 is not supported yet\n"
	if v := Judge(r, Expected, v2); v.Failed() {
		t.Errorf("pure v2: %v", v.Unexpected)
	}
	if v := Judge(r, Expected, hybrid); !v.Failed() {
		t.Error("hybrid host: a failure to find the v1 memory cgroup was excused")
	}
	// Same assertion, other cause: not excused.
	r.Output = "not ok 1 - find memory cgroup\n# open /proc/self/mountinfo: permission denied\n"
	if v := Judge(r, Expected, v2); !v.Failed() {
		t.Error("pure v2: excused without the suite's message")
	}
	// A create failure (the runtime's fault) is never covered.
	r = failing("linux_cgroups_memory", Assertion{Number: 1, Description: "exit status 1"})
	r.Output = "cgroupv2 is not supported yet"
	if v := Judge(r, Expected, v2); !v.Failed() {
		t.Error("pure v2: a create failure was excused")
	}
}

func TestV1HostEntriesDoNotApplyOnPureV2(t *testing.T) {
	v2 := Host{CgroupV2Only: true, Sda: true, NetInterfaces: 2, AppArmor: true, BoundingSet: ^uint64(0)}
	for _, name := range []string{"linux_cgroups_hugetlb", "linux_cgroups_relative_network", "linux_cgroups_blkio"} {
		r := &FileResult{Name: name, ExitCode: 1, Output: "something else"}
		if v := Judge(r, Expected, v2); !v.Failed() {
			t.Errorf("%s: excused on pure v2 by %+v", name, v.Covering)
		}
	}
	// On pure v2 without 8:0 the blkio file is excused only with the
	// hard-coded device in its output.
	noSda := v2
	noSda.Sda = false
	r := &FileResult{Name: "linux_cgroups_blkio", ExitCode: 1, Output: `value "8:0 4950": write io.weight: no such device`}
	if v := Judge(r, Expected, noSda); v.Failed() || v.Covering[0].Kind != KindHost {
		t.Errorf("blkio without 8:0: %+v", v)
	}
}

func TestVerdictLine(t *testing.T) {
	pass := &FileResult{Name: "a", TAP: TAPResult{Documents: 1, Plans: 1, Planned: 1, Total: 1, Passed: 1}}
	fail := failing("b", Assertion{Number: 2, Description: "x\tbroke"})
	xfail := failing("part", Assertion{Number: 2, Description: "pids limit is set correctly"})
	for _, tc := range []struct {
		r    *FileResult
		word string
	}{{pass, wordPass}, {fail, wordFail}, {xfail, wordXFail}} {
		line := VerdictLine(tc.r.Name, Judge(tc.r, testList, Host{}))
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] != tc.r.Name || f[1] != tc.word || strings.Contains(line, "\n") {
			t.Errorf("%s: %q", tc.r.Name, line)
		}
	}
	whole := failing("whole")
	whole.ExitCode = 1
	line := VerdictLine("c", Judge(whole, testList, Host{}))
	if !strings.Contains(line, "\tXFAIL\t") || !strings.Contains(line, "[host] r") {
		t.Errorf("whole-file excuse: %q", line)
	}
	if got := VerdictLine("gone", Verdict{}); got != "gone\tFAIL\tnot run" {
		t.Errorf("no result: %q", got)
	}
}

func TestListBuiltPrograms(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{
		"linux_cgroups_pids": 0o755, "runtimetest": 0o755, "rootfs-amd64.tar.gz": 0o644, "default": 0o755,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := ListBuiltPrograms(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"default", "linux_cgroups_pids"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ListBuiltPrograms(t.TempDir()); err == nil {
		t.Error("empty dir: no error")
	}
}
