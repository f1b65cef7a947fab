package main

import (
	"fmt"
	"strings"
)

// Kind says whose fault an expected failure is.
type Kind string

const (
	// KindHost: this host lacks what the test needs, for every runtime.
	KindHost Kind = "host"
	// KindSuite: the test itself is wrong at the pinned version.
	KindSuite Kind = "suite"
)

// Expectation excuses a failure of one validation program, with the reason.
// Everything not excused here is a runtime bug.
type Expectation struct {
	File string
	// Assertions are substrings of the failing assertions' descriptions (or
	// of errors reported outside any assertion) that this entry covers.
	// Empty: the whole file may fail, crash included.
	Assertions []string
	// Detail, when set, must also appear in the failing assertion's YAML
	// diagnostic: it pins the excuse to the known cause (e.g. the runtime's
	// error message), so the same assertion failing for another reason is
	// still reported.
	Detail string
	// Output, when set, must appear in the program's stdout or stderr
	// (FileResult.Output): it pins a whole-file entry, or an assertion whose
	// cause is printed as a TAP comment rather than YAML, to its known cause.
	Output string
	Kind   Kind
	Reason string
	// Applies reports whether the host condition behind the failure holds
	// here. nil: always (suite bugs).
	Applies func(Host) bool
}

func lacksV1(controllers ...string) func(Host) bool {
	return onV1(func(h Host) bool {
		for _, c := range controllers {
			if !h.HasV1(c) {
				return true
			}
		}
		return false
	})
}

// onV1 restricts a cgroup v1 host condition to hosts with v1 hierarchies:
// on a pure v2 host (the VM harness) the suite fails earlier, for the
// reason noV2 gives.
func onV1(f func(Host) bool) func(Host) bool {
	return func(h Host) bool { return !h.CgroupV2Only && f(h) }
}

// noV2Output is what runtime-tools' cgroups.FindCgroup returns on a host
// with only the unified hierarchy (cgroups/cgroups.go at the pinned version:
// "TODO cgroupv2 unimplemented"; cgroups_v2.go's getters all return
// "unimplemented yet"). The programs print it as a TAP comment after the
// failing "find ... cgroup" assertion, or on stderr before exiting.
const noV2Output = "cgroupv2 is not supported yet"

// noV2 excuses, on a pure cgroup v2 host only, a program's "find ... cgroup"
// assertions that fail because the suite cannot read v2. The container was
// created with the resources by then (RuntimeOutsideValidate reads the
// cgroup after create), so a create failure still shows as unexpected.
func noV2(file string, assertions ...string) Expectation {
	return Expectation{
		File: file, Kind: KindSuite, Assertions: assertions, Output: noV2Output,
		Reason:  "runtime-tools cannot read cgroup v2 at all (cgroups.FindCgroup: \"cgroupv2 is not supported yet\"), so nothing it set can be checked; the container was created with the resources (the VM suite's own checks read the v2 files)",
		Applies: func(h Host) bool { return h.CgroupV2Only },
	}
}

// Expected is the allow-list. The runtime-tools suite reads cgroups through
// cgroups.FindCgroup, which on a hybrid host picks v1, so a controller only
// on the unified hierarchy is invisible to it. Suite entries cite the test
// source at the version go.mod pins.
var Expected = []Expectation{
	{
		File: "linux_cgroups_blkio", Kind: KindHost,
		Reason:  "the v1 blkio hierarchy has no blkio.weight (CFQ was removed in Linux 5.0; BFQ exposes blkio.bfq.weight), so the weight cannot be set or read back",
		Applies: onV1(func(h Host) bool { return !h.BlkioWeight }),
	},
	{
		File: "linux_cgroups_relative_blkio", Kind: KindHost,
		Reason:  "as linux_cgroups_blkio, with a relative cgroupsPath: no blkio.weight on this kernel's v1 blkio",
		Applies: onV1(func(h Host) bool { return !h.BlkioWeight }),
	},
	{
		File: "linux_cgroups_hugetlb", Kind: KindHost,
		Reason:  "hugetlb is not mounted on a v1 hierarchy (it sits on the v2 one), where the suite looks for it",
		Applies: lacksV1("hugetlb"),
	},
	{
		File: "linux_cgroups_relative_hugetlb", Kind: KindHost,
		Reason:  "as linux_cgroups_hugetlb: no v1 hugetlb hierarchy",
		Applies: lacksV1("hugetlb"),
	},
	{
		File: "linux_cgroups_network", Kind: KindHost,
		Reason:  "net_cls and net_prio are not mounted, so classID and priorities have nowhere to go",
		Applies: lacksV1("net_cls", "net_prio"),
	},
	{
		File: "linux_cgroups_relative_network", Kind: KindHost,
		Reason:  "as linux_cgroups_network: net_cls/net_prio not mounted",
		Applies: lacksV1("net_cls", "net_prio"),
	},
	{
		File: "linux_cgroups_memory", Kind: KindHost,
		Assertions: []string{"memory kernel is set correctly"},
		Reason:     "since Linux 6.1 memory.kmem.limit_in_bytes accepts writes and ignores them (reads stay unlimited), so linux.resources.memory.kernel cannot be read back",
		Applies:    onV1(func(h Host) bool { return h.KernelAtLeast(6, 1) }),
	},
	{
		File: "linux_cgroups_relative_memory", Kind: KindHost,
		Assertions: []string{"memory kernel is set correctly"},
		Reason:     "as linux_cgroups_memory: kmem.limit_in_bytes is a no-op since Linux 6.1",
		Applies:    onV1(func(h Host) bool { return h.KernelAtLeast(6, 1) }),
	},
	// Pure cgroup v2 (the VM harness, vm/suite.sh).
	noV2("linux_cgroups_cpus", "find cpu cgroup"),
	noV2("linux_cgroups_relative_cpus", "find cpus cgroup"),
	noV2("linux_cgroups_memory", "find memory cgroup"),
	noV2("linux_cgroups_relative_memory", "find memory cgroup"),
	noV2("linux_cgroups_pids", "find pids cgroup"),
	noV2("linux_cgroups_relative_pids", "find pids cgroup"),
	noV2("linux_cgroups_devices", "find devices"),
	noV2("linux_cgroups_relative_devices", "find devices"),
	noV2("linux_cgroups_relative_hugetlb", "find hugetlb cgroup"),
	noV2("linux_cgroups_relative_network", "find network cgroup"),
	noV2("linux_cgroups_blkio", "find blkio cgroup"),
	noV2("linux_cgroups_relative_blkio", "find blkio cgroup"),
	{
		File: "linux_cgroups_hugetlb", Kind: KindSuite, Output: noV2Output,
		Reason:  "validation/linux_cgroups_hugetlb returns cgroups.FindCgroup's \"cgroupv2 is not supported yet\" to util.Fatal after creating the first container, so it exits before any assertion",
		Applies: func(h Host) bool { return h.CgroupV2Only },
	},
	{
		File: "linux_cgroups_blkio", Kind: KindHost, Output: "8:0",
		Reason:  "the test hard-codes /dev/sda (8:0) for weightDevice and the throttles; this host has no block device 8:0 (the VM's disk is virtio vda), so the per-device io.weight write fails with ENODEV for any runtime",
		Applies: func(h Host) bool { return h.CgroupV2Only && !h.Sda },
	},
	{
		File: "linux_cgroups_relative_blkio", Kind: KindHost, Output: "8:0",
		Assertions: []string{"exit status 1"},
		Reason:     "as linux_cgroups_blkio: no block device 8:0 for the hard-coded weightDevice",
		Applies:    func(h Host) bool { return h.CgroupV2Only && !h.Sda },
	},
	{
		File: "linux_cgroups_network", Kind: KindHost, Output: "index out of range [1] with length 1",
		Reason:  "validation/linux_cgroups_network takes net.Interfaces()[1] without checking the length; with only lo (the VM boots with -nic none) it panics before creating a container",
		Applies: func(h Host) bool { return h.NetInterfaces < 2 },
	},
	{
		File: "linux_process_apparmor_profile", Kind: KindHost,
		Reason:  "AppArmor is not enabled on this kernel, so a profile cannot be applied",
		Applies: func(h Host) bool { return !h.AppArmor },
	},
	{
		File: "process_capabilities", Kind: KindHost,
		Reason:  "the test grants CAP_SYS_RESOURCE, which this host's bounding set lacks; no runtime can raise it",
		Applies: func(h Host) bool { return !h.HasCap(capSysResource) },
	},
	{
		File: "hooks", Kind: KindSuite,
		Reason: "validation/hooks/hooks.go: its hooks write \"post-start1 called\" but it compares with \"post-start1\", and on a match it calls err.Error() on a nil error; it cannot pass",
	},
	{
		File: "process_rlimits", Kind: KindSuite,
		Assertions: []string{"has expected soft RLIMIT_NOFILE"},
		Reason:     "runtimetest is a Go program and Go (1.19+) raises its own soft RLIMIT_NOFILE towards the hard limit at start-up, so it never sees the soft limit the runtime set",
	},
	{
		File: "linux_cgroups_pids", Kind: KindSuite,
		Assertions: []string{"pids limit is set correctly"},
		Reason:     "validation/util/linux_resources_pids.go compares two *int64 (runtime-spec 1.3 made pids.limit a pointer) instead of their values",
	},
	{
		File: "linux_cgroups_relative_pids", Kind: KindSuite,
		Assertions: []string{"pids limit is set correctly"},
		Reason:     "as linux_cgroups_pids: pointer comparison of pids.limit",
	},
	{
		File: "delete_resources", Kind: KindSuite,
		Assertions: []string{"pids limit is set correctly"},
		Reason:     "as linux_cgroups_pids: pointer comparison of pids.limit",
	},
	{
		File: "start", Kind: KindSuite,
		Assertions: []string{"`start` operation MUST generate an error if `process` was not set"},
		Reason:     "validation/start/start.go passes this assertion only when start SUCCEEDS without process (it tests err == nil), the opposite of runtime.md#start",
	},
	{
		File: "prestart", Kind: KindSuite,
		Assertions: []string{"Pre-start hooks MUST be called after the `start` operation is called"},
		Reason:     "the test wants prestart hooks to run at start; runtime-spec v1.3.0 config.md#prestart says they MUST be called as part of create, before pivot_root (as runc and crun do)",
	},
	{
		File: "misc_props", Kind: KindSuite,
		Assertions: []string{"MUST NOT generate an error if they encounter an unknown annotation key"},
		Detail:     "/runtimetest",
		Reason:     "validation/misc_props: the annotation case keeps the default args [/runtimetest] but RuntimeLifecycleValidate never copies runtimetest into the bundle, so create rightly fails on a missing executable (unrelated to annotations; the other cases set args to \"true\")",
	},
	{
		File: "pidfile", Kind: KindSuite,
		Assertions: []string{"create with '--pid-file' option works"},
		Detail:     "is stopped",
		Reason:     "validation/pidfile runs `true` and then sends KILL to it; by then the container is stopped and runtime.md#kill requires the kill to fail (runc passes only while its init is an unreaped zombie)",
	},
	{
		File: "start", Kind: KindSuite,
		Assertions: []string{"exit status 1"},
		Reason:     "validation/start creates a config without process and then asserts `start` succeeds (SpecErrorOK(t, err == nil, StartWithProcUnsetGenError)): the assertion is inverted, so the file cannot pass; hull refuses such a config at create, as runc does",
	},
	{
		File: "killsig", Kind: KindSuite,
		Assertions: []string{"`kill` operation MUST send the specified signal to the container process"},
		Detail:     "it is running",
		Reason:     "validation/killsig signals as soon as the status reads running; if the signal lands before `sh` has run its `trap` line, sh as pid 1 ignores it and sleeps 10 s past the test's 5 s wait (hull's start already returns only after execve of sh); it passes on most runs",
	},
	{
		File: "poststart", Kind: KindSuite,
		Assertions: []string{"The post-start hooks MUST be called after the user-specified process is executed"},
		Reason:     "validation/poststart races the poststart hook's write against the container's first shell command; hull runs poststart only after execve of the user's program (the spec's requirement) but cannot wait for the program's first write; it passes on most runs",
	},
}

// Verdict is a file's outcome judged against the allow-list.
type Verdict struct {
	Result *FileResult
	// Covering are the entries that excused (part of) the failure, or for
	// a passing file the entries that would have.
	Covering []Expectation
	// Unexpected lists the failing assertions and problems no entry excuses.
	Unexpected []string
	// XPass: excused entries exist but the file passed; on a host that has
	// the feature this is normal, on this list's host it means the entry is
	// stale.
	XPass bool
}

// Failed reports whether the file failed in a way no entry excuses.
func (v Verdict) Failed() bool { return len(v.Unexpected) > 0 }

func (e Expectation) covers(description, detail string) bool {
	if e.Detail != "" && !strings.Contains(detail, e.Detail) {
		return false
	}
	for _, sub := range e.Assertions {
		if strings.Contains(description, sub) {
			return true
		}
	}
	return false
}

// Judge compares one result with the entries that apply on host h.
func Judge(r *FileResult, list []Expectation, h Host) Verdict {
	v := Verdict{Result: r}
	var applying []Expectation
	for _, e := range list {
		if e.File == r.Name && (e.Applies == nil || e.Applies(h)) && (e.Output == "" || strings.Contains(r.Output, e.Output)) {
			applying = append(applying, e)
		}
	}
	if r.Status() != StatusFail {
		v.Covering = applying
		v.XPass = len(applying) > 0
		return v
	}
	for _, e := range applying {
		if len(e.Assertions) == 0 {
			v.Covering = []Expectation{e}
			return v
		}
	}
	type failure struct{ what, description, detail string }
	var failures []failure
	for _, a := range r.TAP.Failed {
		failures = append(failures, failure{fmt.Sprintf("not ok %d - %s", a.Number, a.Description), a.Description, a.Detail})
	}
	for _, e := range r.TAP.OrphanErrors {
		failures = append(failures, failure{"error outside any assertion: " + e, e, ""})
	}
	used := map[int]bool{}
	for _, f := range failures {
		covered := false
		for i, e := range applying {
			if e.covers(f.description, f.detail) {
				covered, used[i] = true, true
			}
		}
		if !covered {
			v.Unexpected = append(v.Unexpected, f.what)
		}
	}
	v.Unexpected = append(v.Unexpected, r.runProblems()...)
	for i, e := range applying {
		if used[i] {
			v.Covering = append(v.Covering, e)
		}
	}
	return v
}
