package specjson

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// coldModes are what a child process measures, each in a fresh process
// because encoding/json's reflection caches (shared by its encoder and
// decoder) are what makes the first call slow.
var coldModes = []string{"json-decode", "specjson-decode", "json-encode", "specjson-encode"}

// benchConfig is the config the cold test decodes: $SPECJSON_BENCH_CONFIG,
// else the bench bundle's config (scripts/mkbundle.sh output, copied).
func benchConfig() string {
	if p := os.Getenv("SPECJSON_BENCH_CONFIG"); p != "" {
		return p
	}
	return "testdata/bench-bundle.json"
}

// TestColdStart execs this test binary once per measurement so each
// decode or encode is the first of its process, and logs the median and
// minimum times (run with -v to see them). It asserts nothing about
// timing, only that the children work.
//
//	go test ./internal/specjson -run TestColdStart -v
func TestColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("execs the test binary many times")
	}
	const runs = 21
	results := map[string][][2]time.Duration{}
	for range runs {
		for _, mode := range coldModes { // interleaved, so drift hits all modes alike
			cmd := exec.Command(os.Args[0], "-test.run=^TestColdChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SPECJSON_COLD_CHILD="+mode, "SPECJSON_BENCH_CONFIG="+benchConfig())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child %s: %v\n%s", mode, err, out)
			}
			var cold, warm int64
			line := ""
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "specjson-cold ") {
					line = l
				}
			}
			if _, err := fmt.Sscanf(line, "specjson-cold %d %d", &cold, &warm); err != nil {
				t.Fatalf("child %s output %q: %v", mode, out, err)
			}
			results[mode] = append(results[mode], [2]time.Duration{time.Duration(cold), time.Duration(warm)})
		}
	}
	info, err := os.Stat(benchConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%d bytes), %d fresh processes per mode:", benchConfig(), info.Size(), runs)
	for _, mode := range coldModes {
		r := results[mode]
		cold := make([]time.Duration, len(r))
		warm := make([]time.Duration, len(r))
		for i, x := range r {
			cold[i], warm[i] = x[0], x[1]
		}
		slices.Sort(cold)
		slices.Sort(warm)
		t.Logf("  %-16s first call: median %8v min %8v   warm: median %8v", mode, cold[len(cold)/2], cold[0], warm[len(warm)/2])
	}
}

// TestColdChild is TestColdStart's child; without SPECJSON_COLD_CHILD it
// does nothing. It prints "specjson-cold COLD_NS WARM_NS".
func TestColdChild(t *testing.T) {
	mode := os.Getenv("SPECJSON_COLD_CHILD")
	if mode == "" {
		return
	}
	data, err := os.ReadFile(os.Getenv("SPECJSON_BENCH_CONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	// The encode modes need a value; decode it without touching
	// encoding/json's caches.
	var src specs.Spec
	if err := UnmarshalSpec(data, &src); err != nil {
		t.Fatal(err)
	}
	var op func() error
	switch mode {
	case "json-decode":
		op = func() error { var s specs.Spec; return json.Unmarshal(data, &s) }
	case "specjson-decode":
		op = func() error { var s specs.Spec; return UnmarshalSpec(data, &s) }
	case "json-encode":
		op = func() error { _, err := json.Marshal(&src); return err }
	case "specjson-encode":
		op = func() error { AppendSpec(nil, &src); return nil }
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	start := time.Now()
	err = op()
	cold := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	start = time.Now()
	for range n {
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	warm := time.Since(start) / n
	fmt.Println("specjson-cold", strconv.FormatInt(int64(cold), 10), strconv.FormatInt(int64(warm), 10))
}
