// Command gen writes specjson's zz_generated.go (run by go generate in
// internal/specjson).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hull-runtime/hull/internal/specjson/internal/specgen"
)

func main() {
	out := flag.String("o", "zz_generated.go", "output file")
	flag.Parse()
	src, err := specgen.Generate()
	if err != nil {
		fmt.Fprintf(os.Stderr, "specjson gen: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "specjson gen: write %s: %v\n", *out, err)
		os.Exit(1)
	}
}
