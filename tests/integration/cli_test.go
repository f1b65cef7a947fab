package integration

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestVersion: first line "hull version ...", and a "spec: 1.x.y" line.
func TestVersion(t *testing.T) {
	t.Parallel()
	r := testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), "--version"))
	out := lines(r.Stdout)
	if len(out) == 0 {
		t.Fatalf("no output: %s", r)
	}
	name := "hull"
	if testutil.IsRunc(testutil.BuildHull(t)) {
		name = "runc"
	}
	if !strings.HasPrefix(out[0], name+" version ") {
		t.Errorf("first line %q, want %q", out[0], name+" version ...")
	}
	spec := regexp.MustCompile(`(?m)^spec: 1\.[0-9]+\.[0-9]+`)
	if !spec.MatchString(r.Stdout) {
		t.Errorf("no `spec: 1.x.y` line in %q", r.Stdout)
	}
}

// TestRuntimeGODEBUG: the binary turns off the Go runtime's periodic
// GOMAXPROCS updates (cmd/hull/main.go): hull sets GOMAXPROCS itself, and the
// update goroutine woke a second thread in every command.
func TestRuntimeGODEBUG(t *testing.T) {
	t.Parallel()
	bin := testutil.BuildHull(t)
	if testutil.IsRunc(bin) {
		t.Skip("hull's own build setting")
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "DefaultGODEBUG" {
			if !slices.Contains(strings.Split(s.Value, ","), "updatemaxprocs=0") {
				t.Errorf("DefaultGODEBUG %q lacks updatemaxprocs=0", s.Value)
			}
			return
		}
	}
	t.Errorf("no DefaultGODEBUG in %s's build info: %v", bin, info.Settings)
}

// TestLinkage: `--version` names the libc hull was linked with, and a
// static musl build raised musl's 128 KB default thread stack to glibc's
// 8 MB through PT_GNU_STACK (scripts/build.sh): Go runs cgo calls, such as
// libseccomp compiling a large profile, on those pthread stacks.
func TestLinkage(t *testing.T) {
	t.Parallel()
	bin := testutil.BuildHull(t)
	if testutil.IsRunc(bin) {
		t.Skip("hull's own build")
	}
	r := testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), "--version"))
	m := regexp.MustCompile(`(?m)^libc: (musl|glibc|glibc-dynamic)$`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no `libc: musl|glibc|glibc-dynamic` line in %q", r.Stdout)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open %s: %v", bin, err)
	}
	defer f.Close()
	var interp bool
	var stack uint64
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			interp = true
		case elf.PT_GNU_STACK:
			stack = p.Memsz
		}
	}
	if dynamic := m[1] == "glibc-dynamic"; interp != dynamic {
		t.Errorf("libc %s, but PT_INTERP present = %v", m[1], interp)
	}
	if m[1] == "musl" && stack < 8<<20 {
		t.Errorf("musl build: PT_GNU_STACK size %d, want >= 8 MiB (musl's thread stacks)", stack)
	}
	// scripts/build.sh falls back to glibc when it cannot build for musl;
	// on a host that has the toolchain that fallback is a bug (a fresh
	// clone once fell back because configure took Go's -ldflags from
	// LDFLAGS), so say so unless glibc was asked for.
	_, gccErr := exec.LookPath("musl-gcc")
	dev := exec.Command("dpkg-query", "-W", "libseccomp-dev").Run()
	if m[1] != "musl" && gccErr == nil && dev == nil && os.Getenv("HULL_LIBC") != "glibc" {
		t.Errorf("hull was linked with %s on a host with musl-gcc and libseccomp-dev; scripts/build.sh should have used musl (HULL_LIBC=glibc asks for glibc)", m[1])
	}
}

// TestFeatures: `features` prints the OCI features document.
func TestFeatures(t *testing.T) {
	t.Parallel()
	r := testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), "features"))
	var f struct {
		OCIVersionMin string   `json:"ociVersionMin"`
		OCIVersionMax string   `json:"ociVersionMax"`
		Hooks         []string `json:"hooks"`
		MountOptions  []string `json:"mountOptions"`
		Linux         *struct {
			Namespaces []string `json:"namespaces"`
		} `json:"linux"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &f); err != nil {
		t.Fatalf("features is not JSON: %v: %q", err, r.Stdout)
	}
	if !strings.HasPrefix(f.OCIVersionMin, "1.") || !strings.HasPrefix(f.OCIVersionMax, "1.") {
		t.Errorf("ociVersionMin/Max = %q/%q", f.OCIVersionMin, f.OCIVersionMax)
	}
	if len(f.Hooks) == 0 || len(f.MountOptions) == 0 || f.Linux == nil || len(f.Linux.Namespaces) == 0 {
		t.Errorf("features lacks hooks, mountOptions or linux.namespaces: %s", r.Stdout)
	}
}

// TestSpec: `spec -b DIR` writes a runnable default config.json; --rootless
// adds a user namespace with mappings.
func TestSpec(t *testing.T) {
	t.Parallel()
	for _, rootless := range []bool{false, true} {
		dir := testutil.TempDir(t, "spec-")
		args := []string{"spec", "-b", dir}
		if rootless {
			args = append(args, "--rootless")
		}
		testutil.MustOK(t, testutil.Hull(t, testutil.Root(t), args...))
		data, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatalf("spec wrote no config.json: %v", err)
		}
		var s specs.Spec
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatalf("config.json: %v", err)
		}
		if !strings.HasPrefix(s.Version, "1.") || s.Root == nil || s.Root.Path != "rootfs" ||
			s.Process == nil || len(s.Process.Args) == 0 || s.Linux == nil {
			t.Errorf("default spec incomplete: %s", data)
		}
		if rootless {
			if !hasNamespace(&s, specs.UserNamespace) || len(s.Linux.UIDMappings) == 0 || len(s.Linux.GIDMappings) == 0 {
				t.Errorf("spec --rootless: no user namespace with mappings: %s", data)
			}
		}
	}
}

// TestFlagSpellings: single-dash long flags and --flag=value work, as with
// runc's CLI parser (conmon and others rely on it).
func TestFlagSpellings(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "echo", "spelled")
	root := testutil.Root(t)
	logFile := filepath.Join(testutil.TempDir(t, "log-"), "log.json")
	r := testutil.MustOK(t, testutil.Hull(t, root, "-log-format=json", "-log="+logFile,
		"run", "-bundle="+b.Dir, "-no-subreaper", "-keep", b.ID))
	if strings.TrimSpace(r.Stdout) != "spelled" {
		t.Errorf("stdout %q", r.Stdout)
	}
	testutil.MustOK(t, testutil.Hull(t, root, "-debug", "delete", "-force", b.ID))
	testutil.AssertNothingLeft(t, root, b)
}

// TestLogJSON: with --log FILE --log-format json, every log line is a JSON
// object (conmon parses them to report runtime errors).
func TestLogJSON(t *testing.T) {
	t.Parallel()
	root := testutil.Root(t)
	logFile := filepath.Join(testutil.TempDir(t, "log-"), "log.json")
	id := testutil.NewID(t)
	r := testutil.Hull(t, root, "--log", logFile, "--log-format", "json", "state", id)
	if r.OK() {
		t.Fatalf("state of a missing container succeeded: %s", r)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no log file: %v", err)
	}
	if len(lines(string(data))) == 0 {
		t.Fatalf("log file is empty; stderr %q", r.Stderr)
	}
	for _, l := range lines(string(data)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("log line is not JSON: %q", l)
		} else if _, ok := m["msg"]; !ok {
			t.Errorf("log line has no msg: %q", l)
		}
	}
}

// TestCgroupManagerFlag: crun's --cgroup-manager (passed by conmon) is
// accepted.
func TestCgroupManagerFlag(t *testing.T) {
	t.Parallel()
	if testutil.IsRunc(testutil.BuildHull(t)) {
		t.Skip("runc has no --cgroup-manager")
	}
	b := testutil.NewBundle(t, "true")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "--cgroup-manager", "cgroupfs", "run", "--bundle", b.Dir, b.ID))
	testutil.MustOK(t, testutil.Hull(t, root, "--cgroup-manager=disabled", "list"))
	testutil.AssertNothingLeft(t, root, b)
}
