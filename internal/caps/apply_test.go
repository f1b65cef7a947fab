package caps

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// helperEnv carries a helperPlan to the re-executed test binary.
const helperEnv = "HULL_CAPS_TEST_HELPER"

// helperPlan is what TestHelper does, in the order the container init does it.
type helperPlan struct {
	Caps *specs.LinuxCapabilities
	UID  int      // switch to this uid/gid with PR_SET_KEEPCAPS; -1 stays root
	Exec []string // execve this after Apply; empty prints this thread's caps
}

// TestHelper is not a test: it runs only inside the child started by
// runHelper, where it changes the credentials of its own (locked) thread.
func TestHelper(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		t.Skip("helper process only")
	}
	fail := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "helper: "+format+"\n", a...)
		os.Exit(3)
	}
	var p helperPlan
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		fail("decode plan: %v", err)
	}
	// Never unlocked: the thread's credentials differ from the others', so it
	// must die with the goroutine rather than be reused.
	runtime.LockOSThread()
	if err := DropBounding(p.Caps); err != nil {
		fail("DropBounding: %v", err)
	}
	if p.UID >= 0 {
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
			fail("PR_SET_KEEPCAPS: %v", err)
		}
		// Raw syscalls act on this thread only, like the credentials we check.
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(p.UID), uintptr(p.UID), uintptr(p.UID)); e != 0 {
			fail("setresgid: %v", e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(p.UID), uintptr(p.UID), uintptr(p.UID)); e != 0 {
			fail("setresuid: %v", e)
		}
	}
	if err := Apply(p.Caps); err != nil {
		fail("Apply: %v", err)
	}
	if len(p.Exec) > 0 {
		err := unix.Exec(p.Exec[0], p.Exec, []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"})
		fail("exec %v: %v", p.Exec, err)
	}
	// /proc/self is the thread-group leader; this goroutine's thread may be
	// another one, so read this thread's own status.
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		fail("read status: %v", err)
	}
	os.Stdout.Write(b)
	os.Exit(0)
}

// runHelper runs TestHelper with plan in a fresh process and returns the Cap*
// and Uid lines of the status it printed, keyed by field name.
func runHelper(t *testing.T, plan helperPlan) map[string]string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	raw, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(raw))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s: %v\nstdout:\n%s\nstderr:\n%s", raw, err, out, stderr.String())
	}
	fields := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && (strings.HasPrefix(k, "Cap") || k == "Uid") {
			fields[k] = strings.TrimSpace(v)
		}
	}
	if len(fields) < 5 {
		t.Fatalf("helper printed no capability lines:\n%s\nstderr:\n%s", out, stderr.String())
	}
	return fields
}

func checkMasks(t *testing.T, got map[string]string, want map[string]uint64) {
	t.Helper()
	for k, w := range want {
		g, err := strconv.ParseUint(got[k], 16, 64)
		if err != nil {
			t.Errorf("%s: bad value %q", k, got[k])
			continue
		}
		if g != w {
			t.Errorf("%s = %#x, want %#x", k, g, w)
		}
	}
}

const (
	bChown = 1 << 0
	bKill  = 1 << 5
	bNetBS = 1 << 10
	bAdmin = 1 << 21
)

// sample is a typical restricted set: a bit in every set, a few differences.
func sample() *specs.LinuxCapabilities {
	return &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Effective:   []string{"CAP_CHOWN", "CAP_KILL"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Inheritable: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Ambient:     []string{"CAP_KILL"},
	}
}

func TestApplyAsRoot(t *testing.T) {
	got := runHelper(t, helperPlan{Caps: sample(), UID: -1})
	checkMasks(t, got, map[string]uint64{
		"CapBnd": bChown | bKill | bNetBS,
		"CapEff": bChown | bKill,
		"CapPrm": bChown | bKill | bNetBS,
		"CapInh": bKill | bNetBS,
		"CapAmb": bKill,
	})
}

func TestApplyNilDropsEverything(t *testing.T) {
	got := runHelper(t, helperPlan{Caps: nil, UID: -1})
	checkMasks(t, got, map[string]uint64{"CapBnd": 0, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0})
}

func TestApplyEmptySetsDropEverything(t *testing.T) {
	got := runHelper(t, helperPlan{Caps: &specs.LinuxCapabilities{}, UID: -1})
	checkMasks(t, got, map[string]uint64{"CapBnd": 0, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0})
}

func TestApplyAfterSwitchToNonRoot(t *testing.T) {
	got := runHelper(t, helperPlan{Caps: sample(), UID: 1000})
	if !strings.HasPrefix(got["Uid"], "1000\t1000\t1000") {
		t.Fatalf("helper did not switch uid: Uid: %q", got["Uid"])
	}
	checkMasks(t, got, map[string]uint64{
		"CapBnd": bChown | bKill | bNetBS,
		"CapEff": bChown | bKill,
		"CapPrm": bChown | bKill | bNetBS,
		"CapInh": bKill | bNetBS,
		"CapAmb": bKill,
	})
}

// An ambient capability missing from the inheritable set cannot be raised;
// like runc, Apply skips it instead of failing the container.
func TestApplySkipsAmbientNotInheritable(t *testing.T) {
	c := sample()
	c.Ambient = []string{"CAP_KILL", "CAP_CHOWN"}
	got := runHelper(t, helperPlan{Caps: c, UID: 1000})
	checkMasks(t, got, map[string]uint64{"CapAmb": bKill, "CapPrm": bChown | bKill | bNetBS})
}

// Known names the kernel does not have are skipped, not errors; an unknown
// name is ignored by Apply too (Validate is what rejects it).
func TestApplySkipsNamesOutsideKernel(t *testing.T) {
	c := sample()
	c.Permitted = append(c.Permitted, "CAP_NOT_A_CAP")
	got := runHelper(t, helperPlan{Caps: c, UID: -1})
	checkMasks(t, got, map[string]uint64{"CapPrm": bChown | bKill | bNetBS})
}

// The point of ambient capabilities: a non-root program exec'd after Apply
// still holds them, while caps that are only permitted are lost at execve.
func TestAmbientSurvivesExecveAsNonRoot(t *testing.T) {
	c := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"},
		Effective:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Inheritable: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Ambient:     []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
	}
	got := runHelper(t, helperPlan{Caps: c, UID: 1000, Exec: []string{"/bin/sh", "-c", "grep -E '^(Cap|Uid)' /proc/self/status"}})
	checkMasks(t, got, map[string]uint64{
		"CapBnd": bChown | bKill | bNetBS | bAdmin,
		"CapEff": bKill | bNetBS,
		"CapPrm": bKill | bNetBS,
		"CapInh": bKill | bNetBS,
		"CapAmb": bKill | bNetBS,
	})
	if !strings.HasPrefix(got["Uid"], "1000\t") {
		t.Fatalf("exec'd shell not uid 1000: %q", got["Uid"])
	}
}

// Without ambient capabilities a non-root program gets nothing at execve.
func TestNoAmbientMeansNoCapsAfterExecve(t *testing.T) {
	c := sample()
	c.Ambient = nil
	got := runHelper(t, helperPlan{Caps: c, UID: 1000, Exec: []string{"/bin/sh", "-c", "grep -E '^(Cap|Uid)' /proc/self/status"}})
	checkMasks(t, got, map[string]uint64{"CapEff": 0, "CapPrm": 0, "CapAmb": 0, "CapInh": bKill | bNetBS})
}
