package integration

import (
	"debug/buildinfo"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/tests/testutil"
)

// hasInitStub reports whether bin was built with the init stub embedded
// (scripts/build.sh's -tags hullstub, recorded in its build information).
func hasInitStub(t *testing.T, bin string) bool {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" && strings.Contains(","+s.Value+",", ",hullstub,") {
			return true
		}
	}
	return false
}

// TestInitStartsFromSealedStub: a container init that hull's set-up thread
// builds is started from a sealed memfd copy of the init stub, not from the
// host's hull binary nor a view of it (CVE-2019-5736): its
// /proc/<pid>/exe is the memfd, carrying every seal, and neither a write
// nor a truncate through it gets anywhere. The container still runs.
func TestInitStartsFromSealedStub(t *testing.T) {
	t.Parallel()
	bin := testutil.BuildHull(t)
	if testutil.IsRunc(bin) || !hasInitStub(t, bin) {
		t.Skip("hull built without the init stub (plain go build)")
	}
	b := testutil.NewBundle(t, "sh", "-c", "echo started")
	root := testutil.Root(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	testutil.MustOK(t, testutil.Exec(t, bin, root, testutil.Opts{}, "create", "--bundle", b.Dir, "--pid-file", pidFile, b.ID))
	defer testutil.Exec(t, bin, root, testutil.Opts{}, "delete", "--force", b.ID)
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	exe := "/proc/" + strconv.Itoa(pid) + "/exe"
	target, err := os.Readlink(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(target, "/memfd:hull-init") {
		t.Fatalf("init %d runs %s, want the sealed init stub /memfd:hull-init", pid, target)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	f.Close()
	want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if err != nil || seals&want != want {
		t.Errorf("init stub seals %#x (%v), want %#x set", seals, err, want)
	}
	if w, err := os.OpenFile(exe, os.O_WRONLY, 0); err == nil {
		if n, err := w.WriteAt([]byte{0x7f}, 0); err == nil || n != 0 {
			t.Errorf("wrote to the init's executable %s", target)
		} else if !errors.Is(err, unix.EPERM) {
			t.Logf("write refused: %v", err)
		}
		if err := w.Truncate(0); err == nil {
			t.Errorf("truncated the init's executable %s", target)
		}
		w.Close()
	}
	testutil.MustOK(t, testutil.Exec(t, bin, root, testutil.Opts{}, "start", b.ID))
}
