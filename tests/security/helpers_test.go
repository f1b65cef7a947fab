package security

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// runScript runs `sh -c script` in a fresh bundle (edited by edit, may be
// nil) in the foreground and returns the result and the bundle.
func runScript(t *testing.T, script string, edit func(*specs.Spec)) (testutil.Result, *testutil.Bundle) {
	t.Helper()
	b := testutil.NewBundle(t, "sh", "-c", script)
	if edit != nil {
		b.Edit(edit)
	}
	root := testutil.Root(t)
	return testutil.Hull(t, root, "run", "--bundle", b.Dir, b.ID), b
}

// victimDir makes a host directory outside every rootfs that an attack
// tries to reach, with one marker file in it; snapshot describes it so the
// test can check afterwards that nothing in it changed.
func victimDir(t *testing.T) string {
	t.Helper()
	d := testutil.TempDir(t, "victim-")
	if err := os.WriteFile(filepath.Join(d, "marker"), []byte("host-secret\n"), 0o600); err != nil {
		t.Fatalf("write marker: %v", err)
	}
	return d
}

// snapshot lists a directory tree: path, mode, owner, size and a content
// hash of every entry.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		line := rel + " " + fi.Mode().String()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			line += fmt.Sprintf(" %d:%d", st.Uid, st.Gid)
		}
		if fi.Mode().IsRegular() {
			line += " " + fileHash(t, p)
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func fileHash(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// isMountpoint reports whether p is a mount point in the test's mount
// namespace (where a mount escaping the container would have to land to be
// seen by the host).
func isMountpoint(t *testing.T, p string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatalf("read mountinfo: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == p || strings.HasPrefix(f[4], p+"/")) {
			return true
		}
	}
	return false
}

// hunter builds testdata/hunter (static, no cgo) into the test's temp dir;
// the go build cache makes every build after the first cheap.
func hunter(t *testing.T) string {
	t.Helper()
	out := filepath.Join(testutil.TempDir(t, "hunter-"), "hunter")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/hunter")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hunter: %v: %s", err, b)
	}
	return out
}

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("read %s: %v", src, err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatalf("write %s: %v", dst, err)
	}
}

// privateHull copies the hull binary under test into the test's own temp
// dir: an attack that succeeds overwrites this copy, never the binary the
// rest of the suite runs.
func privateHull(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(testutil.TempDir(t, "bin-"), "hull")
	copyFile(t, testutil.BuildHull(t), dst, 0o755)
	return dst
}
