package caps

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKnownCoversAllNumbers(t *testing.T) {
	k := Known()
	if len(k) != maxKnown+1 {
		t.Fatalf("Known() has %d names, want %d", len(k), maxKnown+1)
	}
	seen := map[int]string{}
	for name, n := range k {
		if !strings.HasPrefix(name, "CAP_") {
			t.Errorf("%q lacks CAP_ prefix", name)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("number %d used by %s and %s", n, name, other)
		}
		seen[n] = name
	}
	for name, want := range map[string]int{"CAP_CHOWN": 0, "CAP_SETPCAP": 8, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_READ": 37, "CAP_CHECKPOINT_RESTORE": 40} {
		if k[name] != want {
			t.Errorf("%s = %d, want %d", name, k[name], want)
		}
	}
	// Known returns a copy: changing it must not change hull's table.
	k["CAP_CHOWN"] = 99
	if Known()["CAP_CHOWN"] != 0 {
		t.Fatal("Known() exposes the internal table")
	}
}

func TestSupportedMatchesKernel(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skipf("no cap_last_cap: %v", err)
	}
	last, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if last > maxKnown {
		last = maxKnown
	}
	got := Supported()
	if len(got) != last+1 {
		t.Fatalf("Supported() has %d names, want %d: %v", len(got), last+1, got)
	}
	if !sort.StringsAreSorted(got) {
		t.Fatalf("Supported() not sorted: %v", got)
	}
	for _, name := range got {
		if known[name] > last {
			t.Errorf("%s (%d) above cap_last_cap %d", name, known[name], last)
		}
	}
	if lastCap() != mustAtoi(t, string(b)) {
		t.Errorf("lastCap() = %d, file says %s", lastCap(), b)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestValidate(t *testing.T) {
	if err := Validate(nil); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
	ok := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"},
		Effective:   []string{"CAP_BPF"},
		Inheritable: []string{},
		Permitted:   []string{"CAP_PERFMON"},
		Ambient:     []string{"CAP_KILL"},
	}
	if err := Validate(ok); err != nil {
		t.Fatalf("Validate(known names) = %v", err)
	}
	cases := []struct {
		caps *specs.LinuxCapabilities
		want string
	}{
		{&specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_FOO"}}, `process.capabilities.bounding: unknown capability "CAP_FOO"`},
		{&specs.LinuxCapabilities{Effective: []string{"chown"}}, `process.capabilities.effective: unknown capability "chown"`},
		{&specs.LinuxCapabilities{Inheritable: []string{""}}, `process.capabilities.inheritable: unknown capability ""`},
		{&specs.LinuxCapabilities{Permitted: []string{"CAP_CHOWN "}}, `process.capabilities.permitted: unknown capability "CAP_CHOWN "`},
		{&specs.LinuxCapabilities{Ambient: []string{"CAP_BAR"}}, `process.capabilities.ambient: unknown capability "CAP_BAR"`},
	}
	for _, c := range cases {
		err := Validate(c.caps)
		if err == nil || err.Error() != c.want {
			t.Errorf("Validate(%+v) = %v, want %q", c.caps, err, c.want)
		}
	}
}

func TestMaskSkipsUnknownAndUnsupported(t *testing.T) {
	got := mask([]string{"CAP_CHOWN", "CAP_FOO", "CAP_KILL", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}, 38)
	if want := uint64(1<<0 | 1<<5); got != want {
		t.Fatalf("mask = %#x, want %#x", got, want)
	}
	if got := mask([]string{"CAP_CHECKPOINT_RESTORE", "CAP_MAC_OVERRIDE"}, 40); got != 1<<40|1<<32 {
		t.Fatalf("mask high bits = %#x", got)
	}
}
