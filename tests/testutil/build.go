package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	baseOnce sync.Once
	baseErr  error
)

// workDir returns the harness' private 0755 temp dir (created by Main, or
// lazily when a package does not use Main).
func workDir(t testing.TB) string {
	t.Helper()
	baseOnce.Do(func() {
		if baseDir != "" {
			return
		}
		d, err := os.MkdirTemp("", "hull-it-")
		if err == nil {
			err = os.Chmod(d, 0o755)
		}
		baseDir, baseErr = d, err
	})
	if baseErr != nil {
		t.Fatalf("harness temp dir: %v", baseErr)
	}
	return baseDir
}

// TempDir makes a fresh 0755 directory under the harness dir, removed when
// the test ends, after its containers are deleted and any mount a runtime
// leaked into it is detached. Paths stay
// short, which matters for unix socket paths (108 bytes).
func TempDir(t testing.TB, prefix string) string {
	t.Helper()
	d, err := os.MkdirTemp(workDir(t), prefix)
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatalf("chmod %s: %v", d, err)
	}
	st := stateFor(t)
	st.mu.Lock()
	st.dirs = append(st.dirs, d)
	st.mu.Unlock()
	return d
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// BuildHull returns the hull binary under test: $HULL_BINARY when set (an
// absolute path or a name in $PATH, e.g. /usr/sbin/runc to validate the
// suite itself), otherwise ./cmd/hull built once per test binary with cgo
// (the C constructor must run before the Go runtime), static if possible.
func BuildHull(t testing.TB) string {
	t.Helper()
	dir := workDir(t)
	buildOnce.Do(func() {
		if env := os.Getenv("HULL_BINARY"); env != "" {
			p, err := exec.LookPath(env)
			if err != nil {
				buildErr = fmt.Errorf("HULL_BINARY=%s: %w", env, err)
				return
			}
			buildPath, buildErr = filepath.Abs(p)
			return
		}
		buildPath, buildErr = buildFromSource(filepath.Join(dir, "hull"))
	})
	if buildErr != nil {
		t.Fatalf("build hull: %v", buildErr)
	}
	return buildPath
}

// IsRunc reports whether the binary under test is runc (HULL_BINARY pointed
// at it), so tests of hull-only extensions can skip instead of failing.
func IsRunc(bin string) bool {
	return strings.Contains(filepath.Base(bin), "runc")
}

func buildFromSource(out string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	ldflags := "-X main.version=test -X main.commit=" + gitCommit(root)
	// scripts/build.sh is what `make build` runs (musl, else static glibc,
	// else dynamic); plain go build is the fallback for a tree without it.
	attempts := [][]string{
		{"bash", "scripts/build.sh", out},
		{"go", "build", "-o", out, "-ldflags", ldflags + " -extldflags -static", "./cmd/hull"},
		{"go", "build", "-o", out, "-ldflags", ldflags, "./cmd/hull"},
	}
	var msgs []string
	for _, args := range attempts {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GO_LDFLAGS="+ldflags)
		b, err := cmd.CombinedOutput()
		if err == nil {
			return out, nil
		}
		msgs = append(msgs, fmt.Sprintf("%s: %v\n%s", strings.Join(args, " "), err, b))
	}
	return "", fmt.Errorf("%s", strings.Join(msgs, "\n"))
}

func gitCommit(root string) string {
	cmd := exec.Command("git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// repoRoot walks up from the working directory (the test's package dir) to
// the directory holding go.mod.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("go.mod not found above working directory")
		}
		d = parent
	}
}

// RepoRoot returns the repository's top directory (for its scripts).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	return root
}
