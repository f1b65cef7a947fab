// Command hullbench measures hull against runc and crun on one busybox
// bundle: every case interleaves the runtimes (A B C, B C A, ...), reports
// medians and p10/p90 of wall time, CPU time (rusage of the command and the
// processes it reaped, plus the container init's own) and peak RSS, the
// ratios hull/runc and hull/crun, and issue 7's targets. It writes a table
// to stdout, results.json and chart.png to -out.
//
// It must run as root; it re-executes itself in a private mount namespace
// (see ns.go) so nothing it or a runtime mounts reaches the host.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

type options struct {
	hull, runc, crun string
	mkbundle         string
	out              string
	n, seq, par      int
	parRounds        int
	cases            string
	extra            string
}

func main() {
	var o options
	flag.StringVar(&o.hull, "hull", "bin/hull", "hull binary")
	flag.StringVar(&o.runc, "runc", "runc", "runc binary (\"\" to skip)")
	flag.StringVar(&o.crun, "crun", "crun", "crun binary (\"\" to skip)")
	flag.StringVar(&o.mkbundle, "mkbundle", "scripts/mkbundle.sh", "bundle builder")
	flag.StringVar(&o.out, "out", "bench/out", "directory for results.json and chart.png")
	flag.IntVar(&o.n, "n", 30, "samples per runtime for the per-command cases")
	flag.IntVar(&o.seq, "seq", 100, "containers in the sequential case")
	flag.IntVar(&o.par, "par", 20, "containers in the parallel case")
	flag.IntVar(&o.parRounds, "par-rounds", 15, "batches per runtime in the parallel case (medians over them)")
	flag.StringVar(&o.extra, "extra", "", "more runtimes as NAME=PATH[,NAME=PATH] (e.g. hull-base=/tmp/hull.old for an A/B of a change)")
	flag.StringVar(&o.cases, "cases", "run,lifecycle,exec,sequential,parallel,podman,cgroupns", "cases to run")
	flag.Parse()
	if err := mainErr(o); err != nil {
		fmt.Fprintf(os.Stderr, "hullbench: %v\n", err)
		os.Exit(1)
	}
}

func mainErr(o options) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("must run as root (runtimes create namespaces and cgroups)")
	}
	if os.Getenv(innerEnv) == "" {
		code, err := reexecInPrivateNS()
		if err != nil {
			return err
		}
		os.Exit(code)
	}
	rts, err := resolveRuntimes(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", o.out, err)
	}
	// State roots and pid files on tmpfs, as /run/runc is in production:
	// hull skips fsync there, and a disk would only add noise.
	scratch, err := os.MkdirTemp("/run", "hullbench-")
	if err != nil {
		return fmt.Errorf("scratch dir: %w", err)
	}
	defer os.RemoveAll(scratch)
	if err := prepareNS(hasRuntime(rts, "crun"), scratch); err != nil {
		return err
	}
	outDir = scratch
	if sp, err := buildSpawner(scratch); err != nil {
		fmt.Fprintf(os.Stderr, "hullbench: %v; RSS figures will include the bench's own RSS\n", err)
	} else {
		spawner = sp
	}
	for i := range rts {
		rts[i].Root = filepath.Join(scratch, "root-"+rts[i].Name)
	}
	work, err := os.MkdirTemp("", "hullbench-bundles-")
	if err != nil {
		return fmt.Errorf("bundle dir: %w", err)
	}
	defer os.RemoveAll(work)
	b, err := makeBundles(work, rts[0].Path, o.mkbundle)
	if err != nil {
		return err
	}
	res := &results{N: o.n, Host: hostInfo(rts), Command: strings.Join(os.Args, " ")}
	bn := &bench{rts: rts, b: b, n: o.n, scratch: scratch, res: res, live: map[string][]string{}}
	defer bn.cleanup()
	t0 := time.Now()
	bn.warmup()
	want := map[string]bool{}
	for _, c := range strings.Split(o.cases, ",") {
		want[strings.TrimSpace(c)] = true
	}
	steps := []struct {
		name string
		run  func()
	}{
		{"run", func() { bn.caseRun("run", b.True, true) }},
		{"lifecycle", bn.caseLifecycle},
		{"exec", func() { bn.caseExec("exec", b.Sleep) }},
		{"sequential", func() { bn.caseSequential(o.seq) }},
		{"parallel", func() { bn.caseParallel(o.par, o.parRounds) }},
		{"podman", func() {
			bn.caseRun("podman-run", b.Podman, false)
			bn.caseExec("podman-exec", b.PodmanSleep)
		}},
		{"cgroupns", func() { bn.caseRun("cgroupns-run", b.CgroupNS, false) }},
	}
	for _, s := range steps {
		if !want[s.name] {
			continue
		}
		ts := time.Now()
		s.run()
		bn.cleanup()
		fmt.Fprintf(os.Stderr, "hullbench: %s done in %.1fs\n", s.name, time.Since(ts).Seconds())
	}
	res.Host["elapsed_s"] = fmt.Sprintf("%.0f", time.Since(t0).Seconds())
	res.Host["loadavg_end"] = loadavg()
	var others []string
	for _, rt := range rts[1:] {
		others = append(others, rt.Name)
	}
	res.computeRatios("hull", others)
	res.checkTargets()
	res.printTable(os.Stdout)
	if err := res.writeJSON(filepath.Join(o.out, "results.json")); err != nil {
		return err
	}
	if err := writeChart(filepath.Join(o.out, "chart.png"), res); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s and %s\n", filepath.Join(o.out, "results.json"), filepath.Join(o.out, "chart.png"))
	return nil
}

// resolveRuntimes returns hull first (the ratios are hull/others), then
// whichever of runc and crun are installed.
func resolveRuntimes(o options) ([]runtimeCmd, error) {
	hull, err := filepath.Abs(o.hull)
	if err != nil {
		return nil, fmt.Errorf("hull path: %w", err)
	}
	if _, err := os.Stat(hull); err != nil {
		return nil, fmt.Errorf("hull binary: %w (run make build)", err)
	}
	rts := []runtimeCmd{{Name: "hull", Path: hull}}
	for _, c := range []struct{ name, path string }{{"runc", o.runc}, {"crun", o.crun}} {
		if c.path == "" {
			continue
		}
		p, err := exec.LookPath(c.path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "hullbench: %s not found, skipped: %v\n", c.name, err)
			continue
		}
		rts = append(rts, runtimeCmd{Name: c.name, Path: p})
	}
	for _, e := range strings.Split(o.extra, ",") {
		if e == "" {
			continue
		}
		name, p, ok := strings.Cut(e, "=")
		if !ok || name == "" || strings.ContainsAny(name, "/ ") || hasRuntime(rts, name) {
			return nil, fmt.Errorf("-extra %q: want a new NAME=PATH", e)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("-extra %s: %w", e, err)
		}
		rts = append(rts, runtimeCmd{Name: name, Path: abs})
	}
	return rts, nil
}

func hasRuntime(rts []runtimeCmd, name string) bool {
	for _, rt := range rts {
		if rt.Name == name {
			return true
		}
	}
	return false
}

func hostInfo(rts []runtimeCmd) map[string]string {
	h := map[string]string{"cpus": fmt.Sprint(runtime.NumCPU()), "loadavg_start": loadavg(), "date": time.Now().UTC().Format(time.RFC3339)}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		h["kernel"] = unix.ByteSliceToString(u.Release[:])
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				h["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	for _, rt := range rts {
		out, _ := exec.Command(rt.Path, "--version").Output()
		h[rt.Name+"_version"] = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		// hull's build says which libc it was linked with (scripts/build.sh):
		// musl and glibc builds differ by 10-20 % in CPU and RSS.
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(l, "libc: "); ok {
				h[rt.Name+"_libc"] = strings.TrimSpace(v)
			}
		}
	}
	return h
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
