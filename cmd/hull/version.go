package main

import (
	"fmt"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// libc is the C library hull was linked with (scripts/build.sh sets it):
// musl, glibc or glibc-dynamic.
var libc = "unknown"

func printVersion() {
	fmt.Printf("hull version %s\ncommit: %s\nspec: %s\ngo: %s\nlibc: %s\n", version, commit, specs.Version, runtime.Version(), libc)
}
