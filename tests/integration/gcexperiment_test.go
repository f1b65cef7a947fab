package integration

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestBuiltWithoutGreenTea: scripts/build.sh builds hull with Go's older
// collector wherever the toolchain still offers the opt-out, because Green
// Tea's per-span mark bits cost every short-lived hull process about 45 page
// faults (docs/performance.md, item 36). The setting is recorded in the
// binary's build information, as `go version -m` prints it.
func TestBuiltWithoutGreenTea(t *testing.T) {
	bin := testutil.BuildHull(t)
	if testutil.IsRunc(bin) {
		t.Skip("not hull")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to ask whether it knows nogreenteagc")
	}
	probe := exec.Command(gocmd, "env", "GOEXPERIMENT")
	probe.Env = append(os.Environ(), "GOEXPERIMENT=nogreenteagc")
	if err := probe.Run(); err != nil {
		t.Skipf("this toolchain has no nogreenteagc experiment: %v", err)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info of %s: %v", bin, err)
	}
	exp := ""
	for _, s := range info.Settings {
		if s.Key == "GOEXPERIMENT" {
			exp = s.Value
		}
	}
	if !strings.Contains(","+exp+",", ",nogreenteagc,") {
		t.Fatalf("%s built with GOEXPERIMENT=%q, want nogreenteagc in it (scripts/build.sh)", bin, exp)
	}
}
