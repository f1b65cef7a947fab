package cgfile

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestWriteHugetlb(t *testing.T) {
	for _, limitFile := range []string{"limit_in_bytes", "max"} {
		dir := t.TempDir()
		// 2MB has reservation accounting, 1GB does not (pre-5.7 style).
		for _, f := range []string{"hugetlb.2MB." + limitFile, "hugetlb.2MB.rsvd." + limitFile, "hugetlb.1GB." + limitFile} {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		err := WriteHugetlb(dir, limitFile, []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}, {Pagesize: "1GB", Limit: 1 << 30}})
		if err != nil {
			t.Fatalf("%s: %v", limitFile, err)
		}
		for f, want := range map[string]string{
			"hugetlb.2MB." + limitFile:      "4194304",
			"hugetlb.2MB.rsvd." + limitFile: "4194304",
			"hugetlb.1GB." + limitFile:      "1073741824",
		} {
			if got, err := Read(dir, f); err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q", f, got, err, want)
			}
		}
		if Exists(dir, "hugetlb.1GB.rsvd."+limitFile) {
			t.Errorf("%s: created a rsvd file the kernel does not have", limitFile)
		}
		for _, bad := range []string{"", "../x", "2.MB", "64KB"} {
			if err := WriteHugetlb(dir, limitFile, []specs.LinuxHugepageLimit{{Pagesize: bad, Limit: 1}}); err == nil {
				t.Errorf("%s: page size %q accepted", limitFile, bad)
			}
		}
	}
}
