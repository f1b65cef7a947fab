package security

import (
	"strings"
	"testing"
	"time"

	"github.com/hull-runtime/hull/tests/testutil"
)

// capLine returns the hex value of one Cap* line of /proc/self/status.
func capLine(t *testing.T, status, name string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == name+":" {
			return f[1]
		}
	}
	t.Fatalf("no %s in %q", name, status)
	return ""
}

const noCaps = "0000000000000000"

// TestCVE_2022_29162_NoInheritableByDefault: runc gave every process the
// bounding set as inheritable capabilities, so a file with inheritable
// file caps regained them after execve as a non-root user. The default
// spec asks for none, and hull must set none.
func TestCVE_2022_29162_NoInheritableByDefault(t *testing.T) {
	r, _ := runScript(t, "grep ^Cap /proc/self/status", nil)
	testutil.MustOK(t, r)
	if got := capLine(t, r.Stdout, "CapInh"); got != noCaps {
		t.Errorf("CapInh %s, want %s", got, noCaps)
	}
	if got := capLine(t, r.Stdout, "CapAmb"); got != noCaps {
		t.Errorf("CapAmb %s, want %s", got, noCaps)
	}
}

// TestCVE_2022_29162_ExecCapNotInheritable: `exec --cap` adds to the
// bounding, permitted and effective sets, never to inheritable or ambient.
func TestCVE_2022_29162_ExecCapNotInheritable(t *testing.T) {
	b := testutil.NewBundle(t, "sleep", "60")
	root := testutil.Root(t)
	testutil.MustOK(t, testutil.Hull(t, root, "run", "-d", "--bundle", b.Dir, b.ID))
	testutil.WaitStatus(t, root, b.ID, "running", 10*time.Second)
	r := testutil.MustOK(t, testutil.Hull(t, root, "exec", "--cap", "CAP_SYS_ADMIN", b.ID, "grep", "^Cap", "/proc/self/status"))
	if got := capLine(t, r.Stdout, "CapInh"); got != noCaps {
		t.Errorf("exec --cap: CapInh %s, want %s", got, noCaps)
	}
	if got := capLine(t, r.Stdout, "CapAmb"); got != noCaps {
		t.Errorf("exec --cap: CapAmb %s, want %s", got, noCaps)
	}
	// CAP_SYS_ADMIN is bit 21: it must be in the effective set, or the
	// test would pass for a hull that ignores --cap.
	eff := capLine(t, r.Stdout, "CapEff")
	if len(eff) != 16 || !strings.ContainsAny(string(eff[10]), "2367abefABEF") {
		t.Errorf("exec --cap CAP_SYS_ADMIN: CapEff %s lacks bit 21", eff)
	}
}
