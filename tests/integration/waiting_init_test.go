package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// minorFaults is field 10 of /proc/pid/stat (minflt).
func minorFaults(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	n, err := strconv.Atoi(fields[7])
	if err != nil {
		t.Fatalf("minflt in %q: %v", s, err)
	}
	return n
}

// pidStatus reads the fields of /proc/pid/status.
func pidStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	return procStatus(string(b))
}

// TestWaitingInitIsStub: a created container waits in C (one thread, no Go
// runtime), not in a Go process, and the program started from it gets
// exactly what it would have got from a direct exec: its user and
// capabilities, process.env without hull's variable, only fds 0-2, and the
// fifo handshake still makes `start` wait for the exec. Both ways there:
// by default the init never runs Go at all (hull's set-up thread built its
// rootfs: process/thread.go), a new cgroup namespace included (the init
// makes it once placed and the thread joins it); with a time namespace
// (forceGoInit) the Go init sets up and then re-executes into the C stub
// (initproc/stub.go). The init's minor
// page faults tell them apart (they survive execve): the Go runtime's
// start-up alone takes a few hundred, the C constructor about 50.
func TestWaitingInitIsStub(t *testing.T) {
	t.Parallel()
	t.Run("set-up thread", func(t *testing.T) {
		t.Parallel()
		testWaitingInit(t, false, false)
	})
	t.Run("set-up thread with a cgroup namespace", func(t *testing.T) {
		t.Parallel()
		testWaitingInit(t, false, true)
	})
	t.Run("Go init then stub", func(t *testing.T) {
		t.Parallel()
		testWaitingInit(t, true, false)
	})
}

func testWaitingInit(t *testing.T, goInit, cgroupNS bool) {
	b := testutil.NewBundle(t, "sh", "-c",
		`{ id -u; grep -E '^Cap(Eff|Prm|Amb)' /proc/self/status; env; ls /proc/self/fd; } > /out/result; exec sleep 100`)
	out := testutil.TempDir(t, "stub-out")
	os.Chmod(out, 0o777)
	b.Edit(func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.Env = []string{"PATH=/bin", "HULL_VAR=x"}
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Bounding: []string{"CAP_NET_BIND_SERVICE", "CAP_CHOWN"}, Permitted: []string{"CAP_NET_BIND_SERVICE"},
			Effective: []string{"CAP_NET_BIND_SERVICE"}, Inheritable: []string{"CAP_NET_BIND_SERVICE"},
			Ambient: []string{"CAP_NET_BIND_SERVICE"},
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind"}})
		if goInit {
			forceGoInit(s)
		}
		if cgroupNS {
			setNamespace(s, specs.CgroupNamespace, "")
		}
	})
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID))
	t.Cleanup(func() { testutil.Hull(t, root, "delete", "-f", b.ID) })
	s := testutil.State(t, root, b.ID)
	st := pidStatus(t, s.Pid)
	if st["Threads"] != "1" || st["Name"] != "hull:init" {
		t.Errorf("waiting init: Threads %s, Name %q; want the single-threaded stub named hull:init", st["Threads"], st["Name"])
	}
	if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(s.Pid) + "/cmdline"); !strings.HasPrefix(string(cmdline), "hull\x00init\x00sh\x00-c\x00") {
		t.Errorf("waiting init's cmdline %q, want hull init and the program's", cmdline)
	}
	minorFaultsSayGoInit(t, s.Pid, goInit)
	if st["Uid"] == "" || !strings.HasPrefix(st["Uid"], "1000") {
		t.Errorf("waiting init uid %q, want the container's user 1000 already", st["Uid"])
	}
	testutil.MustOK(t, testutil.Hull(t, root, "start", b.ID))
	testutil.WaitStatus(t, root, b.ID, "running", 10*time.Second)
	result := filepath.Join(out, "result")
	waitFile(t, result, 10*time.Second)
	time.Sleep(100 * time.Millisecond) // the shell may still be writing
	got, err := os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	// CAP_NET_BIND_SERVICE is bit 10.
	for _, want := range []string{"1000\n", "CapEff:\t0000000000000400", "CapPrm:\t0000000000000400", "CapAmb:\t0000000000000400", "HULL_VAR=x"} {
		if !strings.Contains(text, want) {
			t.Errorf("program saw no %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "_HULL") {
		t.Errorf("hull's variable reached the program:\n%s", text)
	}
	// ls lists 0 1 2 and its own directory fd (3).
	fds := strings.Fields(text[strings.LastIndex(text, "PWD="):])
	if n := len(fds); n < 5 || fds[n-4] != "0" || fds[n-1] != "3" {
		t.Errorf("program's fds: %q, want 0 1 2 (and ls's 3)", fds)
	}
	if st := pidStatus(t, s.Pid); st["Name"] != "sleep" {
		t.Errorf("pid %d is %q after start, want sleep (the same pid as the waiting init)", s.Pid, st["Name"])
	}
}
