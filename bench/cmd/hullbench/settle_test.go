package main

import (
	"os"
	"testing"
	"time"
)

// TestSettleNetns: on a host that is not tearing namespaces down, the
// probe makes one quickly and settleNetns returns after its two fast
// probes, well before its limit.
func TestSettleNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	d, err := probeNetns()
	if err != nil {
		t.Fatalf("probeNetns: %v", err)
	}
	if d <= 0 || d > time.Second {
		t.Fatalf("probeNetns took %v", d)
	}
	waited := settleNetns()
	if waited < 2*settleGap {
		t.Errorf("settleNetns returned after %v: fewer than two probes", waited)
	}
	if waited >= settleLimit {
		t.Errorf("settleNetns waited its whole limit (%v) on an idle host", waited)
	}
}
