// Command conformance runs the OCI runtime-tools validation suite (the
// version pinned in this module's go.mod) against one or more runtimes,
// prints a per-file PASS/FAIL table with assertion counts side by side, and
// compares the first runtime's failures with the allow-list in expected.go.
// It exits 1 when that runtime fails anything the allow-list does not
// excuse.
//
//	cd tests/conformance && go run . -runtime hull=../../bin/hull -runtime runc=runc
//
// It must run as root (the suite creates real containers).
//
// The VM harness (vm/test-vm.sh) splits it in two: -build-only on the host
// builds the programs (static) into -suite-dir/bin, and a static build of
// this runner with -no-build runs them inside the VM, where there is no Go
// toolchain, and writes -verdicts for the VM suite's TAP (docs/testing.md).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

type runtimeFlag []runtimeSpec

type runtimeSpec struct{ Label, Path string }

func (f *runtimeFlag) String() string {
	var s []string
	for _, r := range *f {
		s = append(s, r.Label+"="+r.Path)
	}
	return strings.Join(s, ",")
}

// Set takes "label=path" or just a path (the label is its base name).
func (f *runtimeFlag) Set(v string) error {
	label, path, ok := strings.Cut(v, "=")
	if !ok {
		path, label = v, filepath.Base(v)
	}
	if label == "" || path == "" {
		return fmt.Errorf("want LABEL=PATH, got %q", v)
	}
	*f = append(*f, runtimeSpec{Label: label, Path: path})
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(2)
	}
}

func run() error {
	var runtimes runtimeFlag
	flag.Var(&runtimes, "runtime", "runtime to test, LABEL=PATH or PATH; repeat for a side-by-side table (the first is checked against the allow-list)")
	suiteDir := flag.String("suite-dir", filepath.Join(os.TempDir(), "hull-conformance"), "where the suite is built and the logs go")
	noBuild := flag.Bool("no-build", false, "reuse the programs already built in -suite-dir/bin (no Go toolchain or go.mod needed: the programs are listed from that directory)")
	buildOnly := flag.Bool("build-only", false, "build the programs into -suite-dir/bin and exit (to copy them elsewhere, e.g. into the VM harness's share)")
	verdictsPath := flag.String("verdicts", "", "also write one line per program to this file: NAME, TAB, PASS|FAIL|XFAIL|XPASS|SKIP, TAB, why (for the VM suite's TAP)")
	filter := flag.String("run", "", "only programs whose name matches this regexp")
	timeout := flag.Duration("timeout", 3*time.Minute, "time limit for one program")
	jobs := flag.Int("j", 1, "programs run at once per runtime")
	keep := flag.Bool("keep", false, "keep each program's private TMPDIR and state root")
	noCheck := flag.Bool("no-check", false, "print the table only; do not compare with the allow-list")
	listExpected := flag.Bool("list-expected", false, "print the allow-list with reasons and whether each applies on this host, then exit")
	flag.Parse()

	host, err := ProbeHost()
	if err != nil {
		return err
	}
	if *listExpected {
		for _, e := range Expected {
			applies := e.Applies == nil || e.Applies(host)
			scope := "whole file"
			if len(e.Assertions) > 0 {
				scope = strings.Join(quoteAll(e.Assertions), ", ")
			}
			if e.Output != "" {
				scope += fmt.Sprintf(" (when the output shows %q)", e.Output)
			}
			fmt.Printf("%-32s [%s] applies here: %-5v %s: %s\n", e.File, e.Kind, applies, scope, e.Reason)
		}
		return nil
	}
	if *buildOnly && *noBuild {
		return errors.New("-build-only and -no-build exclude each other")
	}
	if len(runtimes) == 0 && !*buildOnly {
		return errors.New("no -runtime given")
	}
	if os.Geteuid() != 0 && !*buildOnly {
		return errors.New("must run as root: the suite creates containers")
	}
	if *jobs < 1 {
		return fmt.Errorf("-j %d: want at least 1", *jobs)
	}
	for i := range runtimes {
		p, err := exec.LookPath(runtimes[i].Path)
		if err != nil {
			return fmt.Errorf("runtime %s: %w", runtimes[i].Label, err)
		}
		if runtimes[i].Path, err = filepath.Abs(p); err != nil {
			return fmt.Errorf("runtime %s: %w", runtimes[i].Label, err)
		}
	}
	if *suiteDir, err = filepath.Abs(*suiteDir); err != nil {
		return fmt.Errorf("suite dir: %w", err)
	}
	binDir := filepath.Join(*suiteDir, "bin")
	var moduleDir string
	var names []string
	if *noBuild {
		// Inside the VM harness there is no Go toolchain and no go.mod:
		// what was built is what runs.
		if names, err = ListBuiltPrograms(binDir); err != nil {
			return err
		}
	} else {
		if moduleDir, err = os.Getwd(); err != nil {
			return fmt.Errorf("getwd: %w", err)
		}
		if _, err := os.Stat(filepath.Join(moduleDir, "go.mod")); err != nil {
			return fmt.Errorf("run from tests/conformance (its go.mod pins the suite): %w", err)
		}
		if names, err = ListPrograms(moduleDir); err != nil {
			return err
		}
	}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			return fmt.Errorf("-run: %w", err)
		}
		var keepNames []string
		for _, n := range names {
			if re.MatchString(n) {
				keepNames = append(keepNames, n)
			}
		}
		names = keepNames
		if len(names) == 0 {
			return fmt.Errorf("-run %q matches no program", *filter)
		}
	}
	if !*noBuild {
		fmt.Fprintf(os.Stderr, "conformance: building %d validation programs into %s\n", len(names), binDir)
		if err := BuildSuite(moduleDir, binDir, names); err != nil {
			return err
		}
	}
	if *buildOnly {
		return nil
	}
	workBase := filepath.Join(*suiteDir, "work")
	// 0755 all the way down: see RunProgram on user namespaces.
	for _, d := range []string{*suiteDir, workBase} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("mkdir %s: %w", d, err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("chmod %s: %w", d, err)
		}
	}

	roots := cgroupRoots(host)
	preCgroups := existingSuiteCgroups(roots)
	var runs []RuntimeRun
	for _, rt := range runtimes {
		cfg := RunConfig{
			SuiteDir: binDir, Runtime: rt.Path, Label: rt.Label,
			LogDir: filepath.Join(*suiteDir, "logs"), WorkBase: workBase,
			Timeout: *timeout, Keep: *keep,
		}
		runs = append(runs, RuntimeRun{Label: rt.Label, Results: runAll(cfg, names, *jobs)})
	}
	for _, l := range removeSuiteCgroups(roots, preCgroups) {
		fmt.Fprintf(os.Stderr, "conformance: cgroup left behind: %s\n", l)
	}

	var verdicts map[string]Verdict
	if !*noCheck {
		verdicts = map[string]Verdict{}
		for i := range runs[0].Results {
			r := &runs[0].Results[i]
			verdicts[r.Name] = Judge(r, Expected, host)
		}
	}
	fmt.Println()
	if err := WriteTable(os.Stdout, runs, verdicts); err != nil {
		return err
	}
	if verdicts == nil {
		return nil
	}
	if *verdictsPath != "" {
		if err := WriteVerdictFile(*verdictsPath, names, verdicts); err != nil {
			return err
		}
	}
	if n := WriteVerdicts(os.Stdout, runs[0].Label, names, verdicts); n > 0 {
		fmt.Printf("\nconformance: %s: %d file(s) failed unexpectedly\n", runs[0].Label, n)
		os.Exit(1)
	}
	fmt.Printf("\nconformance: %s: no unexpected failures\n", runs[0].Label)
	return nil
}

// runAll runs the programs with at most jobs at a time and returns the
// results in program order, logging each as it ends.
func runAll(cfg RunConfig, names []string, jobs int) []FileResult {
	results := make([]FileResult, len(names))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := RunProgram(cfg, name)
			results[i] = res
			mu.Lock()
			fmt.Fprintf(os.Stderr, "conformance: %-6s %-34s %s (%.1fs)\n", cfg.Label, name, cell(&res), res.Duration.Seconds())
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}
