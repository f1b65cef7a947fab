package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed rusage.c.in
var rusageC []byte

// buildSpawner compiles rusage.c.in into dir with the C compiler hull's own
// build needs anyway (cgo). Static when possible: a static binary maps no
// libc, so its RSS, the floor of every ru_maxrss it reports, is smallest.
func buildSpawner(dir string) (string, error) {
	src := filepath.Join(dir, "rusage.c")
	if err := os.WriteFile(src, rusageC, 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", src, err)
	}
	bin := filepath.Join(dir, "hb-rusage")
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	var last []byte
	for _, static := range []bool{true, false} {
		args := []string{"-O2", "-o", bin, src}
		if static {
			args = append([]string{"-static"}, args...)
		}
		out, err := exec.Command(cc, args...).CombinedOutput()
		if err == nil {
			return bin, nil
		}
		last = out
	}
	return "", fmt.Errorf("compile %s: %s", src, last)
}
