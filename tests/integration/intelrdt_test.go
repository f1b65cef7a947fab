package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestIntelRdtWithoutResctrl: a config asking for Intel RDT on a host
// without resctrl fails at create with one line naming linux.intelRdt,
// and leaves nothing behind.
func TestIntelRdtWithoutResctrl(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/sys/fs/resctrl/schemata"); err == nil {
		t.Skip("this host has resctrl mounted")
	}
	b := testutil.NewBundle(t, "true")
	b.Edit(func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{L3CacheSchema: "L3:0=f"} })
	root := testutil.Root(t)
	expectError(t, testutil.Hull(t, root, "create", "--bundle", b.Dir, b.ID), "linux.intelRdt", "resctrl")
	testutil.AssertNothingLeft(t, root, b)
}
