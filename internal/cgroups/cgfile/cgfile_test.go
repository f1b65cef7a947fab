package cgfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteReadNoCreateNoFollow(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, "x.max", "1"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Write of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.max")); err == nil {
		t.Fatal("Write created the file")
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("orig"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, "link", "evil"); err == nil {
		t.Fatal("Write followed a symlink")
	}
	if b, _ := os.ReadFile(target); string(b) != "orig" {
		t.Fatalf("symlink target changed to %q", b)
	}
	for _, n := range []string{"", ".", "..", "a/b", "../x"} {
		if err := Write(dir, n, "1"); !errors.Is(err, ErrBadName) {
			t.Errorf("Write(%q): %v", n, err)
		}
	}
	if err := Write(dir, "target", " 42\n"); err != nil {
		t.Fatal(err)
	}
	if v, err := Read(dir, "target"); v != "42" || err != nil {
		t.Fatalf("Read = %q, %v", v, err)
	}
}

func TestReadAllProcs(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "child", "grand")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for d, v := range map[string]string{dir: "5\n3\n", filepath.Dir(sub): "", sub: "3\n9\n"} {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadAllProcs(dir)
	if err != nil || !reflect.DeepEqual(got, []int{3, 5, 9}) {
		t.Fatalf("ReadAllProcs = %v, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAllProcs(dir); err == nil {
		t.Fatal("garbage pid accepted")
	}
	if _, err := ReadAllProcs(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing cgroup accepted")
	}
}

func TestOpenNeitherCreatesNorFollows(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, "missing"); err == nil {
		t.Error("Open created a missing file")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file exists after Open")
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if f, err := Open(dir, "link"); err == nil {
		f.Close()
		t.Error("Open followed a symlink")
	}
	if _, err := Open(dir, "../x"); err == nil {
		t.Error("Open accepted a name with a slash")
	}
	f, err := Open(dir, "target")
	if err != nil {
		t.Fatal(err)
	}
	// Not truncated on open: two writes land one after the other.
	if _, err := f.WriteString("AB"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if b, _ := os.ReadFile(target); string(b) != "ABep" {
		t.Errorf("content %q, want ABep", b)
	}
}

// TestReadLongFile: Read returns a file longer than its first buffer whole
// (cgroup.procs of a busy cgroup, memory.stat), trimmed.
func TestReadLongFile(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("1234567\n", 700)
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir, "cgroup.procs")
	if err != nil || got != strings.TrimSpace(long) {
		t.Fatalf("Read = %d bytes, %v; want %d", len(got), err, len(strings.TrimSpace(long)))
	}
	pids, err := ReadProcs(dir)
	if err != nil || len(pids) != 700 {
		t.Fatalf("ReadProcs = %d pids, %v; want 700", len(pids), err)
	}
}
