package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestProcAttrPersonality: linux.personality LINUX32 makes uname report a
// 32-bit machine (PER_LINUX32 changes utsname.machine to i686 on x86_64).
func TestProcAttrPersonality(t *testing.T) {
	t.Parallel()
	if m := hostMachine(t); m != "x86_64" {
		t.Skipf("LINUX32 reports i686 only on x86_64 hosts, this is %s", m)
	}
	out := scriptOutput(t, "uname -m", func(s *specs.Spec) {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	})
	if out != "i686" {
		t.Errorf("uname -m under LINUX32 = %q, want i686", out)
	}
	if out := scriptOutput(t, "uname -m", func(s *specs.Spec) {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux}
	}); out != "x86_64" {
		t.Errorf("uname -m under LINUX = %q, want x86_64", out)
	}
}

func hostMachine(t *testing.T) string {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	return unix.ByteSliceToString(u.Machine[:])
}

// TestProcAttrScheduler: process.scheduler sets the policy (and nice) the
// process runs with, as /proc/self/sched and /proc/self/stat report them.
func TestProcAttrScheduler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sched  specs.Scheduler
		policy string // /proc/<pid>/sched "policy" (SCHED_BATCH=3, SCHED_IDLE=5)
		nice   string // field 19 of /proc/<pid>/stat
	}{
		{"batch", specs.Scheduler{Policy: specs.SchedBatch, Nice: 5}, "3", "5"},
		{"idle", specs.Scheduler{Policy: specs.SchedIdle}, "5", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := scriptOutput(t, "grep ^policy /proc/self/sched; cut -d' ' -f19 /proc/self/stat", func(s *specs.Spec) {
				sc := tc.sched
				s.Process.Scheduler = &sc
			})
			l := lines(out)
			if len(l) != 2 {
				t.Fatalf("output %q", out)
			}
			if f := strings.Fields(l[0]); len(f) == 0 || f[len(f)-1] != tc.policy {
				t.Errorf("%q, want policy %s", l[0], tc.policy)
			}
			if l[1] != tc.nice {
				t.Errorf("nice = %q, want %s", l[1], tc.nice)
			}
		})
	}
}

// TestProcAttrIOPriority: process.ioPriority is what ioprio_get(2) reports
// for the process: (class << 13) | priority.
func TestProcAttrIOPriority(t *testing.T) {
	t.Parallel()
	const ioprioGetSelf = "252,1,0" // ioprio_get(IOPRIO_WHO_PROCESS, 0) on x86_64
	for _, tc := range []struct {
		prio specs.LinuxIOPriority
		want int64
	}{
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 5}, 2<<13 | 5},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE}, 3 << 13},
	} {
		t.Run(string(tc.prio.Class), func(t *testing.T) {
			t.Parallel()
			b := testutil.NewBundle(t, "sysno", ioprioGetSelf)
			installSysno(t, b)
			b.Edit(func(s *specs.Spec) {
				p := tc.prio
				s.Process.IOPriority = &p
			})
			root := testutil.Root(t)
			r := testutil.MustOK(t, testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID))
			if got := sysnoRet(t, r.Stdout)[ioprioGetSelf]; got != tc.want {
				t.Errorf("ioprio_get = %d, want %d (%q)", got, tc.want, r.Stdout)
			}
		})
	}
}

// TestProcAttrMemoryPolicy: linux.memoryPolicy is the process's default
// NUMA policy, which /proc/self/numa_maps shows for its mappings.
func TestProcAttrMemoryPolicy(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/sys/devices/system/node/node0"); err != nil {
		t.Skipf("no NUMA node 0: %v", err)
	}
	if _, err := os.Stat("/proc/self/numa_maps"); err != nil {
		t.Skipf("kernel without NUMA: %v", err)
	}
	out := scriptOutput(t, "cat /proc/self/numa_maps", func(s *specs.Spec) {
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0"}
	})
	if !strings.Contains(out, "bind:0") {
		t.Errorf("numa_maps under MPOL_BIND 0:\n%s\nwant bind:0", out)
	}
}

// TestProcAttrOOMScoreAdjUmask: oomScoreAdj and user.umask reach the
// process together. A negative score needs CAP_SYS_RESOURCE in the runtime
// (the kernel only lets others raise it), so that case runs only where the
// test itself has it.
func TestProcAttrOOMScoreAdjUmask(t *testing.T) {
	t.Parallel()
	for _, adj := range []int{456, -123} {
		t.Run(strconv.Itoa(adj), func(t *testing.T) {
			t.Parallel()
			if adj < 0 && !haveCap(t, unix.CAP_SYS_RESOURCE) {
				t.Skip("no CAP_SYS_RESOURCE here: a negative oom_score_adj cannot be set")
			}
			out := scriptOutput(t, "cat /proc/self/oom_score_adj; umask; touch /tmp/f; stat -c %a /tmp/f", func(s *specs.Spec) {
				s.Process.OOMScoreAdj = ptr(adj)
				s.Process.User.Umask = ptr(uint32(0o027))
			})
			if want := strconv.Itoa(adj) + "\n0027\n640"; out != want {
				t.Errorf("oom_score_adj/umask/mode = %q, want %q", out, want)
			}
		})
	}
}

// haveCap reports whether the test process has capability c effective.
func haveCap(t *testing.T, c int) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseUint(procStatus(string(data))["CapEff"], 16, 64)
	if err != nil {
		t.Fatalf("CapEff: %v", err)
	}
	return v&(1<<uint(c)) != 0
}

// TestProcAttrAppArmor: process.apparmorProfile is the process's profile
// where the host has AppArmor.
func TestProcAttrAppArmor(t *testing.T) {
	t.Parallel()
	if en, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err != nil || strings.TrimSpace(string(en)) != "Y" {
		t.Skip("AppArmor is not enabled on this host")
	}
	out := scriptOutput(t, "cat /proc/self/attr/current", func(s *specs.Spec) { s.Process.ApparmorProfile = "unconfined" })
	if !strings.Contains(out, "unconfined") {
		t.Errorf("attr/current = %q, want unconfined", out)
	}
}
