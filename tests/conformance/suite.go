package main

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// suitePkg is the module that go.mod pins; its validation/ directory holds
// one TAP program per directory.
const suitePkg = "github.com/opencontainers/runtime-tools"

// goCmd runs the go tool in this tool module (the runner's own directory),
// so the pinned version in go.mod/go.sum is what gets built.
func goCmd(moduleDir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleDir
	cmd.Stderr = os.Stderr
	return cmd
}

// ListPrograms returns the validation programs' names (their directory
// names), sorted: every main package under validation/, so a new upstream
// test is run without editing this runner.
func ListPrograms(moduleDir string) ([]string, error) {
	cmd := goCmd(moduleDir, "list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}", suitePkg+"/validation/...")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s/validation/...: %w", suitePkg, err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line[strings.LastIndex(line, "/")+1:])
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no validation programs found in %s", suitePkg)
	}
	sort.Strings(names)
	return names, nil
}

// ListBuiltPrograms lists the validation programs already built in dir
// (what BuildSuite left there), sorted: every regular executable file except
// the runtimetest checker. It needs no Go toolchain, so the VM harness can
// run a suite built on the host.
func ListBuiltPrograms(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list built programs: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() == "runtimetest" || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", filepath.Join(dir, e.Name()), err)
		}
		if info.Mode().Perm()&0o111 != 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no validation programs in %s (build them first: -build-only)", dir)
	}
	sort.Strings(names)
	return names, nil
}

// BuildSuite builds every validation program and the static runtimetest
// checker into dir and copies the rootfs tarball there. The programs expect
// both "runtimetest" and "rootfs-<arch>.tar.gz" in their working directory.
func BuildSuite(moduleDir, dir string, names []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	pkgs := make([]string, 0, len(names))
	for _, n := range names {
		pkgs = append(pkgs, suitePkg+"/validation/"+n)
	}
	// Static (no cgo) like runtimetest: the same programs also run inside
	// the VM harness, whose glibc is not this host's.
	build := goCmd(moduleDir, append([]string{"build", "-tags", "netgo,osusergo", "-o", dir + "/"}, pkgs...)...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build validation programs: %w", err)
	}
	// runtimetest runs inside the container's rootfs, which has no libc
	// we can rely on: it must be static. Without cgo (netgo, osusergo are
	// the only cgo users in its imports) the Go linker makes it static.
	rt := goCmd(moduleDir, "build", "-tags", "netgo,osusergo", "-o", filepath.Join(dir, "runtimetest"), suitePkg+"/cmd/runtimetest")
	rt.Env = append(os.Environ(), "CGO_ENABLED=0")
	rt.Stdout = os.Stderr
	if err := rt.Run(); err != nil {
		return fmt.Errorf("build runtimetest: %w", err)
	}
	if err := checkStatic(filepath.Join(dir, "runtimetest")); err != nil {
		return err
	}
	modDir, err := goCmd(moduleDir, "list", "-m", "-f", "{{.Dir}}", suitePkg).Output()
	if err != nil {
		return fmt.Errorf("locate %s in the module cache: %w", suitePkg, err)
	}
	tarball := "rootfs-" + runtime.GOARCH + ".tar.gz"
	src := filepath.Join(strings.TrimSpace(string(modDir)), tarball)
	if err := copyFile(src, filepath.Join(dir, tarball)); err != nil {
		return err
	}
	return nil
}

// checkStatic refuses a runtimetest with an ELF interpreter (PT_INTERP):
// the rootfs has no dynamic loader matching the host's.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("read ELF %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; it must be static", path)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst, err)
	}
	return nil
}
