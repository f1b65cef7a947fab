package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCwd: process.cwd is the working directory, created if missing.
func TestCwd(t *testing.T) {
	t.Parallel()
	if out := scriptOutput(t, "pwd", func(s *specs.Spec) { s.Process.Cwd = "/work/dir" }); out != "/work/dir" {
		t.Errorf("pwd = %q", out)
	}
}

// TestEnv: process.env reaches the process verbatim.
func TestEnv(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, `echo "$HULL_VAR|$PATH"`, func(s *specs.Spec) {
		s.Process.Env = []string{"PATH=/bin:/usr/bin", "HULL_VAR=a b=c"}
	})
	if out != "a b=c|/bin:/usr/bin" {
		t.Errorf("env inside = %q", out)
	}
}

// TestUser: uid, gid and additionalGids are applied.
func TestUser(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "id -u; id -g; id -G; id -un", func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 20}}
	})
	l := lines(out)
	if len(l) != 4 || l[0] != "1000" || l[1] != "1000" || l[3] != "user" {
		t.Fatalf("id output %q", out)
	}
	groups := strings.Fields(l[2])
	for _, g := range []string{"10", "20"} {
		if !slices.Contains(groups, g) {
			t.Errorf("id -G = %q, missing %s", l[2], g)
		}
	}
	if slices.Contains(groups, "0") {
		t.Errorf("id -G = %q: root's group leaked in", l[2])
	}
}

// TestUmask: process.user.umask is applied.
func TestUmask(t *testing.T) {
	t.Parallel()
	if out := scriptOutput(t, "umask", func(s *specs.Spec) { s.Process.User.Umask = ptr(uint32(0o027)) }); out != "0027" {
		t.Errorf("umask = %q, want 0027", out)
	}
}

// capNumbers are the capability bit numbers from linux/capability.h.
var capNumbers = map[string]uint{
	"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_FSETID": 4,
	"CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
	"CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
	"CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18,
	"CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
	"CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28,
	"CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31, "CAP_MAC_OVERRIDE": 32,
	"CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35, "CAP_BLOCK_SUSPEND": 36,
	"CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39, "CAP_CHECKPOINT_RESTORE": 40,
}

func capMask(t *testing.T, names []string) string {
	t.Helper()
	var m uint64
	for _, n := range names {
		bit, ok := capNumbers[n]
		if !ok {
			t.Fatalf("unknown capability %s", n)
		}
		m |= 1 << bit
	}
	return fmt.Sprintf("%016x", m)
}

// procStatus parses "Key:\tvalue" lines printed from /proc/self/status.
func procStatus(out string) map[string]string {
	m := map[string]string{}
	for _, l := range lines(out) {
		k, v, ok := strings.Cut(l, ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// TestCapabilities: a non-root user with ambient capabilities keeps exactly
// the configured sets (ambient caps survive execve for non-root).
func TestCapabilities(t *testing.T) {
	t.Parallel()
	caps := []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}
	out := scriptOutput(t, "grep ^Cap /proc/self/status", func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Bounding: caps, Effective: caps, Permitted: caps, Inheritable: caps, Ambient: caps,
		}
	})
	st := procStatus(out)
	want := capMask(t, caps)
	for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		if st[k] != want {
			t.Errorf("%s = %q, want %s (all: %q)", k, st[k], want, out)
		}
	}
}

// TestDefaultCapabilities: root gets exactly the spec's bounding/effective
// sets, not the runtime's full set.
func TestDefaultCapabilities(t *testing.T) {
	t.Parallel()
	var bnd, eff []string
	out := scriptOutput(t, "grep ^Cap /proc/self/status", func(s *specs.Spec) {
		if s.Process.Capabilities == nil {
			s.Process.Capabilities = &specs.LinuxCapabilities{}
		}
		bnd, eff = s.Process.Capabilities.Bounding, s.Process.Capabilities.Effective
	})
	st := procStatus(out)
	if st["CapBnd"] != capMask(t, bnd) || st["CapEff"] != capMask(t, eff) {
		t.Errorf("CapBnd/CapEff = %s/%s, want %s/%s", st["CapBnd"], st["CapEff"], capMask(t, bnd), capMask(t, eff))
	}
}

// TestRlimits: process.rlimits set soft and hard limits.
func TestRlimits(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "ulimit -n; ulimit -Hn", func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1234, Soft: 1000}}
	})
	if out != "1000\n1234" {
		t.Errorf("nofile soft/hard = %q, want 1000 and 1234", out)
	}
}

// TestNoNewPrivileges: the flag reaches the process, both ways.
func TestNoNewPrivileges(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		t.Run(strconv.FormatBool(nnp), func(t *testing.T) {
			t.Parallel()
			out := scriptOutput(t, "grep ^NoNewPrivs /proc/self/status", func(s *specs.Spec) { s.Process.NoNewPrivileges = nnp })
			want := "0"
			if nnp {
				want = "1"
			}
			if procStatus(out)["NoNewPrivs"] != want {
				t.Errorf("NoNewPrivs = %q, want %s", out, want)
			}
		})
	}
}

// TestOOMScoreAdj: process.oomScoreAdj is written for the process.
func TestOOMScoreAdj(t *testing.T) {
	t.Parallel()
	if out := scriptOutput(t, "cat /proc/self/oom_score_adj", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(345) }); out != "345" {
		t.Errorf("oom_score_adj = %q, want 345", out)
	}
}
