package stats

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func fakeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReadOptional(t *testing.T) {
	dir := fakeDir(t, map[string]string{"a": " 12\n", "bad": "lots"})
	if v, err := ReadOptional(dir, "a"); err != nil || v != "12" {
		t.Errorf("present: %q %v", v, err)
	}
	if v, err := ReadOptional(dir, "missing"); err != nil || v != "" {
		t.Errorf("missing: %q %v, want \"\", nil", v, err)
	}
	// Errors other than "missing" still surface: a name that could escape dir.
	if _, err := ReadOptional(dir, "../a"); err == nil {
		t.Error("bad name: no error")
	}
	if n, err := ReadOptionalUint(dir, "a"); err != nil || n != 12 {
		t.Errorf("uint: %d %v", n, err)
	}
	if n, err := ReadOptionalUint(dir, "missing"); err != nil || n != 0 {
		t.Errorf("uint missing: %d %v", n, err)
	}
	if _, err := ReadOptionalUint(dir, "bad"); err == nil || !strings.Contains(err.Error(), "/bad") {
		t.Errorf("uint bad: %v, want an error naming the file", err)
	}
}

func TestReadPids(t *testing.T) {
	var p Pids
	if err := ReadPids(fakeDir(t, map[string]string{"pids.current": "3", "pids.max": "max"}), &p); err != nil || p != (Pids{Current: 3}) {
		t.Errorf("unlimited: %+v %v", p, err)
	}
	p = Pids{}
	if err := ReadPids(fakeDir(t, map[string]string{"pids.current": "3", "pids.max": "10"}), &p); err != nil || p != (Pids{Current: 3, Limit: 10}) {
		t.Errorf("limited: %+v %v", p, err)
	}
	p = Pids{}
	if err := ReadPids(fakeDir(t, nil), &p); err != nil || p != (Pids{}) {
		t.Errorf("no pids controller: %+v %v", p, err)
	}
	if err := ReadPids(fakeDir(t, map[string]string{"pids.current": "3", "pids.max": "x"}), &p); err == nil || !strings.Contains(err.Error(), "pids.max") {
		t.Errorf("bad pids.max: %v, want an error naming the file", err)
	}
}

func TestReadCPUSet(t *testing.T) {
	var c CPUSet
	dir := fakeDir(t, map[string]string{"cpus": "0-2,4\n", "mems": "0\n", "bad": "x"})
	if err := ReadCPUSet(dir, "cpus", "mems", &c); err != nil {
		t.Fatal(err)
	}
	if want := (CPUSet{CPUs: []uint16{0, 1, 2, 4}, Mems: []uint16{0}}); !reflect.DeepEqual(c, want) {
		t.Errorf("cpuset = %+v, want %+v", c, want)
	}
	if err := ReadCPUSet(dir, "bad", "mems", &c); err == nil || !strings.Contains(err.Error(), "/bad") {
		t.Errorf("bad list: %v, want an error naming the file", err)
	}
}

func TestHugePageSizes(t *testing.T) {
	dir := fakeDir(t, map[string]string{
		"hugetlb.2MB.current": "", "hugetlb.2MB.rsvd.current": "", "hugetlb.1GB.current": "",
		"hugetlb.2MB.max": "", "memory.current": "",
	})
	got, err := HugePageSizes(dir, "current")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"1GB", "2MB"}; !slices.Equal(got, want) {
		t.Errorf("sizes = %v, want %v", got, want)
	}
	if _, err := HugePageSizes(filepath.Join(dir, "gone"), "current"); err == nil {
		t.Error("missing dir: no error")
	}
}
