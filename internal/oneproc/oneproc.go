// Package oneproc gives the hull command one P (GOMAXPROCS=1) from the
// runtime's start (oneproc_amd64.c), or as early as Go allows where that is not
// possible: in a package init with no dependencies but the runtime, so it
// runs before nearly all other package initialisation allocates.
//
// The CLI's goroutines (the set-up thread's included) take turns and never
// need to run in parallel. A second P gets its own cache, holding a span per
// size class it allocates from: in `create` that was 260 KB more touched heap
// (docs/performance.md, fifth round). Set in main() instead, the runtime and
// package inits have already run on both Ps, and it saves only 160 KB.
// Explicit, it also stops Go's cgroup-aware GOMAXPROCS updates, which the
// CLI's milliseconds of life never need.
package oneproc

import (
	"os"
	"runtime"
)

func init() {
	if injected() {
		// The runtime has read it; hull's children must not inherit it.
		os.Unsetenv("GOMAXPROCS")
	}
	runtime.GOMAXPROCS(1)
}
