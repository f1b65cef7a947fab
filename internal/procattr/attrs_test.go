package procattr

import (
	"os"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestPersonalityLinux32(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("LINUX32 shows as i686 only on x86_64")
	}
	bb := busybox(t)
	if got := strings.TrimSpace(runWith(t, "personality", specs.LinuxPersonality{Domain: specs.PerLinux32}, bb, "uname", "-m")); got != "i686" {
		t.Fatalf("uname -m under LINUX32 = %q, want i686", got)
	}
	if got := strings.TrimSpace(runWith(t, "personality", specs.LinuxPersonality{Domain: specs.PerLinux}, bb, "uname", "-m")); got != "x86_64" {
		t.Fatalf("uname -m under LINUX = %q, want x86_64", got)
	}
}

func TestPersonalityErrors(t *testing.T) {
	if err := Personality(nil); err != nil {
		t.Fatal(err)
	}
	err := Personality(&specs.LinuxPersonality{Domain: "LINUX64"})
	if err == nil || !strings.Contains(err.Error(), "linux.personality.domain") {
		t.Fatalf("unknown domain: %v", err)
	}
}

func TestSchedulerIdle(t *testing.T) {
	bb := busybox(t)
	f := statFields(t, runWith(t, "scheduler", specs.Scheduler{Policy: specs.SchedIdle}, bb, "cat", "/proc/self/stat"))
	// Field 41 is the policy (SCHED_IDLE = 5).
	if f[41-3] != "5" {
		t.Fatalf("policy field = %s, want 5 (SCHED_IDLE)", f[41-3])
	}
}

func TestSchedulerBatchNice(t *testing.T) {
	bb := busybox(t)
	f := statFields(t, runWith(t, "scheduler", specs.Scheduler{Policy: specs.SchedBatch, Nice: 7}, bb, "cat", "/proc/self/stat"))
	// Field 19 is nice, field 41 the policy (SCHED_BATCH = 3).
	if f[41-3] != "3" || f[19-3] != "7" {
		t.Fatalf("policy %s nice %s, want 3 and 7", f[41-3], f[19-3])
	}
}

func TestSchedulerFIFOPriority(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("real-time policies need CAP_SYS_NICE")
	}
	bb := busybox(t)
	f := statFields(t, runWith(t, "scheduler", specs.Scheduler{Policy: specs.SchedFIFO, Priority: 3, Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagResetOnFork}}, bb, "cat", "/proc/self/stat"))
	// The busybox cat is the exec'd helper itself, not a fork: it keeps
	// SCHED_FIFO (1) with rt_priority (field 40) 3.
	if f[41-3] != "1" || f[40-3] != "3" {
		t.Fatalf("policy %s rt_priority %s, want 1 and 3", f[41-3], f[40-3])
	}
}

func TestSchedulerValidation(t *testing.T) {
	cases := []struct {
		s    specs.Scheduler
		want string
	}{
		{specs.Scheduler{Policy: "SCHED_BOGUS"}, "policy"},
		{specs.Scheduler{Policy: specs.SchedOther, Nice: 20}, "nice"},
		{specs.Scheduler{Policy: specs.SchedOther, Priority: 1}, "priority"},
		{specs.Scheduler{Policy: specs.SchedFIFO, Runtime: 1}, "SCHED_DEADLINE"},
		{specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_BOGUS"}}, "flags"},
	}
	for _, c := range cases {
		if err := Scheduler(&c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want it to mention %q", c.s, err, c.want)
		}
	}
	a, err := schedAttr(&specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 1, Deadline: 2, Period: 3,
		Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagReclaim, specs.SchedFlagDLOverrun}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Policy != 6 || a.Runtime != 1 || a.Deadline != 2 || a.Period != 3 || a.Flags != unix.SCHED_FLAG_RECLAIM|unix.SCHED_FLAG_DL_OVERRUN {
		t.Fatalf("sched_attr = %+v", a)
	}
	if err := Scheduler(nil); err != nil {
		t.Fatal(err)
	}
}

func TestIOPriority(t *testing.T) {
	ionice := "/usr/bin/ionice"
	if _, err := os.Stat(ionice); err != nil {
		t.Skip("util-linux ionice not installed")
	}
	// With no arguments ionice prints the class of the calling process,
	// which is the exec'd helper.
	if got := strings.TrimSpace(runWith(t, "ioprio", specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE}, ionice)); got != "idle" {
		t.Fatalf("ionice after IOPRIO_CLASS_IDLE = %q", got)
	}
	if got := strings.TrimSpace(runWith(t, "ioprio", specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}, ionice)); got != "best-effort: prio 6" {
		t.Fatalf("ionice after BE/6 = %q", got)
	}
}

func TestIOPriorityValidation(t *testing.T) {
	if err := IOPriority(&specs.LinuxIOPriority{Class: "IOPRIO_CLASS_BOGUS"}); err == nil || !strings.Contains(err.Error(), "process.ioPriority.class") {
		t.Fatalf("bad class: %v", err)
	}
	if err := IOPriority(&specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}); err == nil || !strings.Contains(err.Error(), "process.ioPriority.priority") {
		t.Fatalf("priority 8: %v", err)
	}
	v, err := ioprioValue(&specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 2})
	if err != nil || v != 1<<13|2 {
		t.Fatalf("RT/2 = %#x, %v", v, err)
	}
}

func TestMemoryPolicy(t *testing.T) {
	if _, err := os.Stat("/proc/self/numa_maps"); err != nil {
		t.Skip("kernel without CONFIG_NUMA")
	}
	bb := busybox(t)
	// numa_maps shows, per mapping, the policy in effect; with no VMA
	// policy that is the task's.
	out := runWith(t, "mempolicy", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}, bb, "cat", "/proc/self/numa_maps")
	if !strings.Contains(out, " bind:0 ") {
		t.Fatalf("numa_maps after MPOL_BIND 0:\n%s", out)
	}
	out = runWith(t, "mempolicy", specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}, bb, "cat", "/proc/self/numa_maps")
	if !strings.Contains(out, " interleave=static:0 ") && !strings.Contains(out, " interleave:0 ") {
		t.Fatalf("numa_maps after MPOL_INTERLEAVE|STATIC 0:\n%s", out)
	}
	out = runWith(t, "mempolicy", specs.LinuxMemoryPolicy{Mode: specs.MpolDefault}, bb, "cat", "/proc/self/numa_maps")
	if strings.Contains(out, "bind:") || !strings.Contains(out, " default ") {
		t.Fatalf("numa_maps after MPOL_DEFAULT:\n%s", out)
	}
}

func TestMemoryPolicyArgs(t *testing.T) {
	mode, mask, err := memPolicyArgs(&specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-2,5,64", Flags: []specs.MemoryPolicyFlagType{specs.MpolFRelativeNodes}})
	if err != nil {
		t.Fatal(err)
	}
	if mode != unix.MPOL_BIND|unix.MPOL_F_RELATIVE_NODES || len(mask) != 2 || mask[0] != 0b100111 || mask[1] != 1 {
		t.Fatalf("mode %#x mask %b", mode, mask)
	}
	if m, mask, err := memPolicyArgs(&specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}); err != nil || m != unix.MPOL_PREFERRED || mask != nil {
		t.Fatalf("preferred without nodes: %d %v %v", m, mask, err)
	}
	for _, bad := range []specs.LinuxMemoryPolicy{
		{Mode: "MPOL_BOGUS"},
		{Mode: specs.MpolBind},
		{Mode: specs.MpolDefault, Nodes: "0"},
		{Mode: specs.MpolLocal, Nodes: "0"},
		{Mode: specs.MpolBind, Nodes: "3-1"},
		{Mode: specs.MpolBind, Nodes: "0,,1"},
		{Mode: specs.MpolBind, Nodes: "x"},
		{Mode: specs.MpolBind, Nodes: "-1"},
		{Mode: specs.MpolBind, Nodes: "99999999"},
		{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{"MPOL_F_BOGUS"}},
	} {
		if err := MemoryPolicy(&bad); err == nil || !strings.Contains(err.Error(), "linux.memoryPolicy") {
			t.Errorf("%+v: err %v", bad, err)
		}
	}
	if err := MemoryPolicy(nil); err != nil {
		t.Fatal(err)
	}
}

func TestAppArmor(t *testing.T) {
	if err := AppArmor(""); err != nil {
		t.Fatalf("empty profile: %v", err)
	}
	if !AppArmorEnabled() {
		err := AppArmor("hull-test")
		if err == nil || !strings.Contains(err.Error(), "not enabled") {
			t.Fatalf("AppArmor without AppArmor: %v", err)
		}
		t.Skip("AppArmor is not enabled on this host; applying a profile is not tested")
	}
	bb := busybox(t)
	out := runWith(t, "apparmor", "unconfined", bb, "cat", "/proc/self/attr/current")
	if !strings.HasPrefix(strings.TrimSpace(out), "unconfined") {
		t.Fatalf("attr/current after AppArmor(unconfined) = %q", out)
	}
}
