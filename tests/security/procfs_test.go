package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// expectOneLineFailure asserts a clean refusal: non-zero exit, one line.
func expectOneLineFailure(t *testing.T, r testutil.Result, wants ...string) {
	t.Helper()
	if r.OK() {
		t.Fatalf("want a refusal, got success: %s", r)
	}
	msg := strings.TrimRight(r.Stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("want exactly one error line: %s", r)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
}

// TestCVE_2019_19921_ProcIsSymlink: /proc (and /sys) in the image are
// symlinks. runc followed them and later wrote LSM labels and sysctls into
// whatever they pointed at. hull refuses such a rootfs.
func TestCVE_2019_19921_ProcIsSymlink(t *testing.T) {
	for _, dir := range []string{"proc", "sys"} {
		t.Run(dir, func(t *testing.T) {
			victim := victimDir(t)
			before := snapshot(t, victim)
			b := testutil.NewBundle(t, "true")
			p := filepath.Join(b.Rootfs, dir)
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, p); err != nil {
				t.Fatal(err)
			}
			b.Edit(func(s *specs.Spec) {
				s.Linux.Sysctl = map[string]string{"kernel.domainname": "hull-sec"}
			})
			r := testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID)
			expectOneLineFailure(t, r, "/"+dir)
			checkVictim(t, victim, before)
		})
	}
}

// TestCVE_2025_52881_OnlyProcfsOnProc: a bind mount or tmpfs over /proc or
// /proc/sys would make hull's later procfs writes (sysctl, attr,
// oom_score_adj) land in a file the container controls. Only procfs may be
// mounted on /proc.
func TestCVE_2025_52881_OnlyProcfsOnProc(t *testing.T) {
	fake := testutil.TempDir(t, "fakesys-")
	if err := os.MkdirAll(filepath.Join(fake, "kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(fake, "kernel", "domainname")
	if err := os.WriteFile(target, []byte("untouched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]specs.Mount{
		"bind-over-proc-sys": {Destination: "/proc/sys", Type: "bind", Source: fake, Options: []string{"rbind"}},
		"tmpfs-on-proc":      {Destination: "/proc", Type: "tmpfs", Source: "tmpfs"},
		"bind-on-proc":       {Destination: "/proc", Type: "bind", Source: fake, Options: []string{"rbind"}},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			b := testutil.NewBundle(t, "cat", "/proc/sys/kernel/domainname")
			b.Edit(func(s *specs.Spec) {
				s.Mounts = append(s.Mounts, m)
				s.Linux.Sysctl = map[string]string{"kernel.domainname": "hull-sec"}
			})
			r := testutil.Hull(t, testutil.Root(t), "run", "--bundle", b.Dir, b.ID)
			expectOneLineFailure(t, r, m.Destination)
			if got, _ := os.ReadFile(target); string(got) != "untouched\n" {
				t.Errorf("sysctl was written into the container's fake /proc/sys: %q", got)
			}
		})
	}
}

// TestCVE_2025_52881_SysctlLandsInProcfs: the positive side: a sysctl is
// written through the real procfs of the container (its UTS namespace),
// and the host's value is untouched (testutil.Main checks the hostname and
// ip_forward too).
func TestCVE_2025_52881_SysctlLandsInProcfs(t *testing.T) {
	host, _ := os.ReadFile("/proc/sys/kernel/domainname")
	r, _ := runScript(t, "cat /proc/sys/kernel/domainname", func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"kernel.domainname": "hull-sec"}
	})
	testutil.MustOK(t, r)
	if strings.TrimSpace(r.Stdout) != "hull-sec" {
		t.Errorf("container domainname %q, want hull-sec", r.Stdout)
	}
	if after, _ := os.ReadFile("/proc/sys/kernel/domainname"); string(after) != string(host) {
		t.Errorf("host domainname changed %q -> %q", host, after)
	}
}
