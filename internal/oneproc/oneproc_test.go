package oneproc

import (
	"runtime"
	"testing"
)

// TestOneP: importing the package leaves the process with one P.
func TestOneP(t *testing.T) {
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Fatalf("GOMAXPROCS = %d after importing oneproc, want 1", n)
	}
}
