package rootfs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Integration tests run each scenario in a re-executed copy of the test
// binary inside fresh mount and PID namespaces (Go makes / rprivate when
// Unshareflags has CLONE_NEWNS), so every mount dies with the child and
// nothing propagates to the host.

const helperEnv = "HULL_ROOTFS_HELPER"
const helperArgEnv = "HULL_ROOTFS_HELPER_ARG"

// scenarioArgs is what the parent passes to a scenario child.
type scenarioArgs struct {
	Rootfs string            `json:"rootfs"`
	Bundle string            `json:"bundle"`
	Paths  map[string]string `json:"paths"`
}

var scenarios = map[string]func(a scenarioArgs) error{}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(runScenario(name))
	}
	before, _ := statDevNull()
	code := m.Run()
	after, err := statDevNull()
	if err != nil || after != before || after.uid != 0 || after.gid != 0 || after.major != 1 || after.minor != 3 {
		fmt.Fprintf(os.Stderr, "host /dev/null changed: before %+v after %+v (%v)\n", before, after, err)
		code = 1
	}
	os.Exit(code)
}

type nodeInfo struct {
	mode, uid, gid, major, minor uint32
}

func statDevNull() (nodeInfo, error) {
	var st unix.Stat_t
	if err := unix.Lstat("/dev/null", &st); err != nil {
		return nodeInfo{}, err
	}
	return nodeInfo{st.Mode, st.Uid, st.Gid, unix.Major(st.Rdev), unix.Minor(st.Rdev)}, nil
}

func runScenario(name string) int {
	fn, ok := scenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", name)
		return 2
	}
	var a scenarioArgs
	if err := json.Unmarshal([]byte(os.Getenv(helperArgEnv)), &a); err != nil {
		fmt.Fprintf(os.Stderr, "bad args: %v\n", err)
		return 2
	}
	// Belt and braces: the child must never share mount events with the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fmt.Fprintf(os.Stderr, "make / rprivate: %v\n", err)
		return 2
	}
	if err := fn(a); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		return 1
	}
	fmt.Println("SCENARIO OK")
	return 0
}

// runInChild runs scenario name in new mount+PID namespaces and fails t if
// the scenario reports a failure.
func runInChild(t *testing.T, name string, a scenarioArgs) string {
	t.Helper()
	return runInChildFlags(t, name, a, 0)
}

// runInChildFlags is runInChild with extra clone flags (e.g. CLONE_NEWCGROUP).
func runInChildFlags(t *testing.T, name string, a scenarioArgs, extra uintptr) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	arg, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name, helperArgEnv+"="+string(arg))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Unshareflags: syscall.CLONE_NEWNS,
		Cloneflags:   syscall.CLONE_NEWPID | extra,
		Pdeathsig:    syscall.SIGKILL,
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SCENARIO OK") {
		t.Fatalf("scenario %s: %v\n%s", name, err, out)
	}
	return string(out)
}

// check collects failures inside a scenario.
type check struct{ errs []string }

func (c *check) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *check) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%d checks failed:\n  %s", len(c.errs), strings.Join(c.errs, "\n  "))
}
