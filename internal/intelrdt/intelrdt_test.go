package intelrdt

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheck(t *testing.T) {
	if err := Check(nil); err != nil {
		t.Fatal(err)
	}
	err := Check(&specs.LinuxIntelRdt{L3CacheSchema: "L3:0=f"})
	if Available() {
		if err != nil {
			t.Fatalf("resctrl is mounted but Check failed: %v", err)
		}
		if err := Check(&specs.LinuxIntelRdt{ClosID: "../x"}); err == nil {
			t.Fatal("closID with a slash accepted")
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "linux.intelRdt") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one line naming linux.intelRdt, got %v", err)
	}
}
