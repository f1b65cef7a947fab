package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func needUnshare(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (unshare --mount)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
}

// fakeSuite writes program as a validation "program" and a fake runtime
// that logs its arguments and lists one leftover container.
func fakeSuite(t *testing.T, program string) (RunConfig, string) {
	t.Helper()
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite")
	if err := os.Mkdir(suite, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(suite, "prog"), []byte("#!/bin/sh\n"+program), 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(dir, "calls")
	rt := filepath.Join(dir, "fake runtime")
	script := "#!/bin/sh\necho \"$*\" >> '" + calls + "'\ncase \"$3\" in list) echo leftover-1;; esac\n"
	if err := os.WriteFile(rt, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return RunConfig{SuiteDir: suite, Runtime: rt, Label: "fake", LogDir: filepath.Join(dir, "logs"), WorkBase: work, Timeout: 20 * time.Second}, calls
}

func TestRunProgramEnvironmentAndCleanup(t *testing.T) {
	needUnshare(t)
	cfg, calls := fakeSuite(t, `
echo "TAP version 13"
case "$TMPDIR" in "$PWD"*) echo "not ok 1 - TMPDIR inside the suite dir";; /*) echo "ok 1 - private TMPDIR";; esac
[ -w "$TMPDIR" ] && echo "ok 2 - TMPDIR writable" || echo "not ok 2 - TMPDIR writable"
[ "$(basename "$PWD")" = suite ] && echo "ok 3 - runs in the suite dir" || echo "not ok 3 - cwd $PWD"
"$RUNTIME" create --bundle /b id1
[ "$(readlink /proc/self/ns/mnt)" != "$HOST_MNT" ] && echo "ok 4 - own mount namespace" || echo "not ok 4 - host mount namespace"
echo "1..4"
`)
	hostMnt, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOST_MNT", hostMnt)
	res := RunProgram(cfg, "prog")
	if res.Status() != StatusPass {
		b, _ := os.ReadFile(res.LogPath)
		t.Fatalf("status %s problems %v failed %+v\n%s", res.Status(), res.Problems(), res.TAP.Failed, b)
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 {
		t.Fatalf("runtime calls %q", lines)
	}
	// Every call carries a private --root; the leftover is force-deleted.
	for _, l := range lines {
		if !strings.HasPrefix(l, "--root "+cfg.WorkBase+"/") {
			t.Errorf("call without private --root: %q", l)
		}
	}
	if !strings.HasSuffix(lines[0], "create --bundle /b id1") || !strings.HasSuffix(lines[1], "list --quiet") || !strings.HasSuffix(lines[2], "delete --force leftover-1") {
		t.Errorf("calls %q", lines)
	}
	if ents, _ := os.ReadDir(cfg.WorkBase); len(ents) != 0 {
		t.Errorf("work dir left behind: %v", ents)
	}
}

func TestRunProgramTimeout(t *testing.T) {
	needUnshare(t)
	cfg, _ := fakeSuite(t, "echo 'TAP version 13'\nsleep 60 & wait\n")
	cfg.Timeout = 300 * time.Millisecond
	start := time.Now()
	res := RunProgram(cfg, "prog")
	if !res.TimedOut || res.Status() != StatusFail {
		t.Errorf("timed out %v status %s", res.TimedOut, res.Status())
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}

func TestShellQuote(t *testing.T) {
	out, err := exec.Command("sh", "-c", "printf %s "+shellQuote("a 'b' $c")).Output()
	if err != nil || string(out) != "a 'b' $c" {
		t.Errorf("got %q %v", out, err)
	}
}
