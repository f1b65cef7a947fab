package hooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func testState() *specs.State {
	return &specs.State{Version: specs.Version, ID: "c1", Status: specs.StateCreated, Pid: 4242, Bundle: "/b",
		Annotations: map[string]string{"k": "v"}}
}

func sh(script string, extra ...string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: append([]string{"sh", "-c", script}, extra...)}
}

func intp(i int) *int { return &i }

// killLater makes sure a process a hook left behind (whose pid the hook wrote
// to pidFile) is gone after the test.
func killLater(t *testing.T, pidFile string) {
	t.Cleanup(func() {
		if pid := readPid(pidFile); pid > 0 {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	})
}

func readPid(p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func TestRunPassesStateOnStdin(t *testing.T) {
	out := filepath.Join(t.TempDir(), "stdin")
	if err := Run("createRuntime", sh(`cat > "$1"`, "sh", out), testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.State
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("hook stdin is not state JSON: %v: %q", err, data)
	}
	if got.ID != "c1" || got.Pid != 4242 || got.Status != specs.StateCreated || got.Bundle != "/b" || got.Annotations["k"] != "v" {
		t.Errorf("state on stdin = %+v", got)
	}
}

// A shell hook that checks the state itself, as real hooks do.
func TestRunShellHookChecksState(t *testing.T) {
	h := sh(`s=$(cat); case "$s" in *'"id":"c1"'*'"status":"created"'*) exit 0;; esac; echo "bad state: $s" >&2; exit 7`)
	if err := Run("prestart", h, testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	st := testState()
	st.ID = "other"
	err := Run("prestart", h, st)
	if err == nil || !strings.HasPrefix(err.Error(), "prestart hook /bin/sh: exit status 7: bad state: {") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunArgsAndEnv(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	h := specs.Hook{
		Path: "/bin/sh",
		Args: []string{"my-argv0", "-c",
			`printf '%s|%s|%s' "$(tr '\0' '\n' < /proc/$$/cmdline | head -n 1)" "$FOO" "$(env | wc -l)" > "$1"`, "sh", out},
		Env: []string{"FOO=bar"},
	}
	if err := Run("poststart", h, testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	data, _ := os.ReadFile(out)
	// sh itself adds PWD (and maybe SHLVL), so allow a few variables.
	parts := strings.Split(string(data), "|")
	if len(parts) != 3 || parts[0] != "my-argv0" || parts[1] != "bar" {
		t.Fatalf("hook saw %q", data)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(parts[2])); n > 4 {
		t.Errorf("hook environment has %d variables; the runtime's env leaked", n)
	}
}

func TestRunNoArgsUsesPath(t *testing.T) {
	if err := Run("poststop", specs.Hook{Path: "/bin/true"}, testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name string
		hook specs.Hook
		want string
	}{
		{"false", specs.Hook{Path: "/bin/false"}, "prestart hook /bin/false: exit status 1"},
		{"first stderr line", sh("echo; echo '  first problem  ' >&2; echo second >&2; exit 3"),
			"prestart hook /bin/sh: exit status 3: first problem"},
		{"stdout when stderr empty", sh("echo from stdout; exit 2"), "prestart hook /bin/sh: exit status 2: from stdout"},
		{"signal", sh("kill -TERM $$"), "prestart hook /bin/sh: signal: terminated"},
		{"missing binary", specs.Hook{Path: "/nonexistent/hook"}, "prestart hook /nonexistent/hook: start: no such file or directory"},
		{"bad timeout", specs.Hook{Path: "/bin/true", Timeout: intp(0)}, "prestart hook /bin/true: timeout 0 must be greater than zero"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Run("prestart", tc.hook, testState())
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRunNilState(t *testing.T) {
	if err := Run("prestart", specs.Hook{Path: "/bin/true"}, nil); err == nil {
		t.Fatal("Run with nil state succeeded")
	}
}

func TestRunTimeoutKillsHookAndChildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	killLater(t, pidFile)
	h := sh(`sleep 60 & echo $! > "$1"; echo started >&2; wait`, "sh", pidFile)
	h.Timeout = intp(1)
	start := time.Now()
	err := Run("createContainer", h, testState())
	took := time.Since(start)
	if err == nil || !strings.HasPrefix(err.Error(), "createContainer hook /bin/sh: timed out after 1s, killed: started") {
		t.Fatalf("err = %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("timeout took %s", took)
	}
	pid := readPid(pidFile)
	if pid == 0 {
		t.Fatal("hook did not record its child")
	}
	// The child was in the hook's process group and must be dead (a zombie
	// reaped by init at most).
	deadline := time.Now().Add(2 * time.Second)
	for unix.Kill(pid, 0) == nil && !isZombie(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("hook child %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

func TestRunFastHookWithinTimeout(t *testing.T) {
	h := specs.Hook{Path: "/bin/true", Timeout: intp(10)}
	if err := Run("poststart", h, testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// A hook that exits but leaves a daemon holding its stdout must not block the
// lifecycle.
func TestRunDaemonizingHookReturns(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	killLater(t, pidFile)
	h := sh(`sleep 60 & echo $! > "$1"; exit 0`, "sh", pidFile)
	start := time.Now()
	if err := Run("poststart", h, testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(start); took > pipeGrace+3*time.Second {
		t.Errorf("Run blocked for %s", took)
	}
}

func TestRunAllStopsAtFirstError(t *testing.T) {
	for _, kind := range []string{"prestart", "createRuntime", "createContainer", "startContainer"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			hs := []specs.Hook{
				sh(`: > "$1"`, "sh", a),
				sh("echo second failed >&2; exit 4"),
				sh(`: > "$1"`, "sh", b),
			}
			err := RunAll(kind, hs, testState())
			if err == nil || err.Error() != kind+" hook /bin/sh: exit status 4: second failed" {
				t.Fatalf("err = %v", err)
			}
			if _, err := os.Stat(a); err != nil {
				t.Error("first hook did not run")
			}
			if _, err := os.Stat(b); err == nil {
				t.Error("hook after the failure ran")
			}
		})
	}
	if err := RunAll("poststop", nil, testState()); err != nil {
		t.Errorf("RunAll(nil) = %v", err)
	}
}

// runtime.md: a failing poststart or poststop hook is a warning and "the
// remaining hooks and lifecycle continue" (runtime-tools' poststart_fail and
// poststop_fail check that the hook after /bin/false still runs).
func TestRunAllContinuesAfterPoststartPoststopFailure(t *testing.T) {
	for _, kind := range []string{"poststart", "poststop"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			b := filepath.Join(dir, "b")
			hs := []specs.Hook{
				sh("echo first failed >&2; exit 3"),
				sh(`: > "$1"`, "sh", b),
				sh("echo third failed >&2; exit 5"),
			}
			err := RunAll(kind, hs, testState())
			if _, serr := os.Stat(b); serr != nil {
				t.Error("hook after the failure did not run")
			}
			if err == nil {
				t.Fatal("failures not reported")
			}
			for _, want := range []string{"exit status 3: first failed", "exit status 5: third failed"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

// A hook's stdin and output are copied by goroutines while the caller waits
// for the hook in a blocking syscall: Run gives them Ps of their own, so
// that they need not wait for the runtime's sysmon (which hull starts late,
// internal/sysmontick) to hand over the caller's only P.
func TestRunGivesCopiersProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	if err := Run("prestart", sh(`cat >/dev/null; echo out; echo err >&2`), testState()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := runtime.GOMAXPROCS(0); got < hookProcs {
		t.Fatalf("GOMAXPROCS %d after a hook, want at least %d", got, hookProcs)
	}
}
