package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// startHunter starts a detached container whose init is the hunter, using
// the hull binary bin, and returns the bundle, root and the hunter's log.
func startHunter(t *testing.T, bin string, hunterArgs ...string) (*testutil.Bundle, string, string) {
	t.Helper()
	h := hunter(t)
	b := testutil.NewBundle(t, append([]string{"/hunter", "-out", "/hunt.log"}, hunterArgs...)...)
	copyFile(t, h, filepath.Join(b.Rootfs, "hunter"), 0o755)
	// The image's malicious entry point: executing it makes the kernel run
	// the interpreter /proc/self/exe of whoever execs it, that is hull.
	if err := os.WriteFile(filepath.Join(b.Rootfs, "evil"), []byte("#!/proc/self/exe\n"), 0o755); err != nil {
		t.Fatalf("write evil: %v", err)
	}
	b.Edit(func(s *specs.Spec) { s.Process.Cwd = "/" })
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Exec(t, bin, root, testutil.Opts{}, "create", "--bundle", b.Dir, b.ID))
	testutil.MustOK(t, testutil.Exec(t, bin, root, testutil.Opts{}, "start", b.ID))
	logPath := filepath.Join(b.Rootfs, "hunt.log")
	waitFor(t, logPath, "ready", 10*time.Second)
	return b, root, logPath
}

func waitFor(t *testing.T, path, word string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), word) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q after %v; got %q", path, word, d, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCVE_2019_5736_HostBinaryNotWritable: `hull exec` of an image entry
// point "#!/proc/self/exe" turns the exec'd process into hull itself, inside
// the container and dumpable. The hunter holds its /proc/<pid>/exe, waits
// for it to exit and reopens the fd for writing. hull must have started the
// init from a sealed copy (internal/process/exe.go), so the write fails and
// the binary on disk is unchanged.
func TestCVE_2019_5736_HostBinaryNotWritable(t *testing.T) {
	bin := privateHull(t)
	before := fileHash(t, bin)
	b, root, logPath := startHunter(t, bin, "-for", "30", "-write")

	var log string
	unreachable := 0
	for i := 0; i < 40; i++ {
		// Exits non-zero: hull, run as "/proc/self/exe /evil", rejects
		// its arguments. What matters is what the hunter did meanwhile.
		r := testutil.Exec(t, bin, root, testutil.Opts{}, "exec", b.ID, "/evil")
		// With the sealed overlay the init's /proc/self/exe lies in a
		// detached mount: the kernel cannot even open the interpreter,
		// and the attack stops before it starts. An init started from
		// the init stub's sealed memfd (an exec the C constructor
		// finishes) gets as far as holding that memfd, whose seals
		// refuse the write ("denied-write").
		if strings.Contains(r.Stderr, "exec /evil: no such file or directory") {
			unreachable++
		}
		raw, _ := os.ReadFile(logPath)
		log = string(raw)
		if strings.Contains(log, "WROTE") || strings.Contains(log, "denied-write") {
			break
		}
	}
	t.Logf("hunter log:\n%s", log)
	if strings.Contains(log, "WROTE") {
		t.Errorf("container overwrote the hull binary through /proc/<pid>/exe (CVE-2019-5736)")
	}
	if got := fileHash(t, bin); got != before {
		t.Errorf("hull binary on the host changed (CVE-2019-5736)")
	}
	if !strings.Contains(log, "held") {
		if unreachable == 40 {
			t.Logf("every exec of /evil failed: the sealed hull binary is not reachable as an interpreter")
			return
		}
		t.Fatalf("hunter never caught hull running in the container: the attack was not exercised")
	}
	if strings.Contains(log, "held") && strings.Contains(log, "exe \""+bin+"\"") {
		t.Errorf("the container could open the host's hull binary %s itself; want a sealed copy", bin)
	}
}

// TestCVE_2016_9962_InitNotDumpable: while an exec's init runs inside the
// container it holds hull's state (sync socket, host fds): it must be
// non-dumpable, so the container can neither open its /proc/<pid>/exe nor
// list its /proc/<pid>/fd. The hunter watches every `hull exec` and reports
// any hull process it could open.
func TestCVE_2016_9962_InitNotDumpable(t *testing.T) {
	bin := testutil.BuildHull(t)
	b, root, logPath := startHunter(t, bin, "-for", "60")
	for i := 0; i < 30; i++ {
		testutil.MustOK(t, testutil.Exec(t, bin, root, testutil.Opts{}, "exec", b.ID, "/bin/true"))
	}
	raw, _ := os.ReadFile(logPath)
	log := string(raw)
	t.Logf("hunter log:\n%s", log)
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "held") || strings.HasPrefix(line, "fds") {
			t.Errorf("the container reached a hull process: %s (CVE-2016-9962)", line)
		}
	}
}
