package oneproc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
)

func TestOneP(t *testing.T) {
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Fatalf("GOMAXPROCS = %d after importing oneproc, want 1", n)
	}
}

// childReport runs this test binary again with env and returns what
// TestReportForParent printed.
func childReport(t *testing.T, env []string) map[string]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReportForParent$", "-test.count=1")
	cmd.Env = append(env, "HULL_ONEPROC_REPORT=1")
	out, err := combinedOutputUnpinned(cmd)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	r := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.HasPrefix(k, "report.") {
			r[strings.TrimPrefix(k, "report.")] = v
		}
	}
	if len(r) == 0 {
		t.Fatalf("child printed no report:\n%s", out)
	}
	return r
}

// combinedOutputUnpinned runs cmd with the CPU mask this test binary was
// started with, as hull starts its children: a child that inherited the
// pinned mask would see one CPU and never pin itself.
func combinedOutputUnpinned(cmd *exec.Cmd) ([]byte, error) {
	var out []byte
	err := Unpinned(func() error {
		var err error
		out, err = cmd.CombinedOutput()
		return err
	})
	return out, err
}

// TestReportForParent is the child side of the tests below.
func TestReportForParent(t *testing.T) {
	if os.Getenv("HULL_ONEPROC_REPORT") == "" {
		t.Skip("runs as a child of TestRuntimeStartsWithOneP")
	}
	s := []metrics.Sample{{Name: "/sched/pauses/total/other:seconds"}}
	metrics.Read(s)
	var stops uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		stops += c
	}
	environ, _ := os.ReadFile("/proc/self/environ")
	v, set := os.LookupEnv("GOMAXPROCS")
	fmt.Printf("report.injected=%v\nreport.stops=%d\nreport.gomaxprocs=%d\nreport.env=%q %v\nreport.kernelenv=%v\nreport.pinned=%v\n",
		injected(), stops, runtime.GOMAXPROCS(0), v, set, bytes.Contains(environ, []byte("GOMAXPROCS=")), Pinned())
}

func withoutGOMAXPROCS() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GOMAXPROCS=") && !strings.HasPrefix(e, "HULL_PIN=") {
			env = append(env, e)
		}
	}
	return env
}

// TestRuntimeStartsWithOneP: started without GOMAXPROCS, the runtime gets
// GOMAXPROCS=1 from oneproc_amd64.c, so oneproc's init changes nothing and the
// world is never stopped to take a P away; the variable is gone from the
// environment hull's children inherit, and the kernel's copy never had it.
func TestRuntimeStartsWithOneP(t *testing.T) {
	if !cgoEnabled {
		t.Skip("needs cgo (oneproc_amd64.c)")
	}
	r := childReport(t, withoutGOMAXPROCS())
	want := map[string]string{"injected": "true", "stops": "0", "gomaxprocs": "1", "env": `"" false`, "kernelenv": "false"}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %s, want %s (report %v)", k, r[k], v, r)
		}
	}
}

// TestCallersGOMAXPROCSKept: a GOMAXPROCS the caller set stays in the
// environment (hooks inherit it, as with runc); hull still runs one P,
// which then takes a stop of the world, the cost oneproc_amd64.c avoids (and
// the proof that the report above can see one).
func TestCallersGOMAXPROCSKept(t *testing.T) {
	r := childReport(t, append(withoutGOMAXPROCS(), "GOMAXPROCS=2"))
	want := map[string]string{"injected": "false", "stops": "1", "gomaxprocs": "1", "env": `"2" true`, "kernelenv": "true"}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %s, want %s (report %v)", k, r[k], v, r)
		}
	}
}
