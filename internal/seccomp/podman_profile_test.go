//go:build cgo

package seccomp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// podmanOCIProfile converts the containers-common profile for amd64 and caps
// the way podman does before it calls the runtime.
func podmanOCIProfile(t *testing.T, caps []string) *specs.LinuxSeccomp {
	t.Helper()
	raw, err := os.ReadFile(ContainersProfilePath)
	if err != nil {
		t.Skipf("podman's default profile: %v", err)
	}
	p, err := FromContainersProfile(raw, "amd64", caps)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPodmanProfileBusybox(t *testing.T) {
	requireRoot(t)
	requireAmd64(t)
	bb := busybox(t)
	p := podmanOCIProfile(t, ContainersDefaultCaps)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runHelper(t, p, "exec", []string{bb, "ls", dir}, envNNP+"=1")
	if r.err != nil || !strings.Contains(r.stdout, "marker") {
		t.Fatalf("busybox ls under podman's profile: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
	// mkdir is allowed by the profile.
	sub := filepath.Join(dir, "sub")
	if r := runHelper(t, p, "exec", []string{bb, "mkdir", sub}); r.err != nil {
		t.Fatalf("busybox mkdir under podman's profile: %v\n%s", r.err, r.stderr)
	}
	if _, err := os.Stat(sub); err != nil {
		t.Fatal(err)
	}
}

// podman's profile answers unknown syscalls with ENOSYS by default and
// blocks capability-guarded ones with EPERM through explicit rules.
func TestLoadPodmanProfileErrnos(t *testing.T) {
	requireRoot(t)
	requireAmd64(t)
	p := podmanOCIProfile(t, ContainersDefaultCaps)
	const sysAcct = 163 // excluded without CAP_SYS_PACCT: errnoRet EPERM
	got := errnos(t, runHelper(t, p, "syscalls", []int{unix.SYS_GETPID, sysAcct, 1000}))
	if got[unix.SYS_GETPID] != 0 || got[sysAcct] != int(unix.EPERM) || got[1000] != int(unix.ENOSYS) {
		t.Fatalf("errnos = %v, want getpid 0, acct EPERM, 1000 ENOSYS", got)
	}
}
