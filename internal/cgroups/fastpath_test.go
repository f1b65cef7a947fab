package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

// A one-level cgroup path takes mkdirs' fast path (statfs + mkdir): it must
// still record exactly the dir it made, and Destroy's fast path (rmdir
// without listing) must remove it.
func TestSingleLevelApplyDestroy(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name, name)
	cmd := startProc(t, "sleep", "100")
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	st := m.State()
	if len(st.Created) == 0 {
		t.Fatal("nothing recorded as created")
	}
	for _, c := range st.Created {
		if filepath.Base(c) != name {
			t.Errorf("created %q, want only %s dirs", c, name)
		}
	}
	// Applying again (the dirs now exist) creates and records nothing new.
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if got := len(m.State().Created); got != len(st.Created) {
		t.Errorf("second Apply recorded %d dirs, want %d", got, len(st.Created))
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for _, c := range st.Created {
		if _, err := os.Stat(c); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists", c)
		}
	}
}

// Sub-cgroups the container made make the first rmdir fail with EBUSY;
// Destroy must then remove them, deepest first.
func TestDestroyRemovesContainersSubCgroups(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name, name)
	sleeper := startProc(t, "sleep", "100")
	if err := m.Apply(sleeper.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	mem := m.State().Paths["memory"]
	sub := filepath.Join(mem, "inner", "deeper")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = sleeper.Process.Kill()
	_ = sleeper.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if _, err := os.Stat(mem); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after Destroy", mem)
	}
}

// Device rules go through one fd per control file: every rule must still
// land, allow and deny interleaved in order.
func TestDeviceRulesThroughOneFd(t *testing.T) {
	requireV1Root(t)
	name := testName(t)
	m := newTestManager(t, name, name)
	sleeper := startProc(t, "sleep", "100")
	if err := m.Apply(sleeper.Process.Pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	i := func(v int64) *int64 { return &v }
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i(1), Minor: i(3), Access: "rwm"},
		{Allow: true, Type: "c", Major: i(1), Minor: i(5), Access: "rwm"},
		{Allow: false, Type: "c", Major: i(1), Minor: i(5), Access: "w"},
		{Allow: true, Type: "c", Major: i(136), Access: "rwm"},
	}
	if err := m.Set(&specs.LinuxResources{Devices: rules}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := cgfile.Read(m.State().Paths["devices"], "devices.list")
	if err != nil {
		t.Fatal(err)
	}
	if want := "c 1:3 rwm\nc 1:5 rm\nc 136:* rwm"; got != want {
		t.Errorf("devices.list = %q, want %q", got, want)
	}
}
