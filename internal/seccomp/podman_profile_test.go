//go:build cgo

package seccomp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// podmanProfilePath is containers-common's default profile, the one podman
// (and CRI-O) turn into linux.seccomp for every container.
const podmanProfilePath = "/usr/share/containers/seccomp.json"

// podmanDefaultCaps is podman's default capability set (containers.conf).
var podmanDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT",
}

// commonFilter is the includes/excludes part of a containers-common rule.
type commonFilter struct {
	Arches []string `json:"arches"`
	Caps   []string `json:"caps"`
}

// commonProfile is containers-common's seccomp.json format: an OCI profile
// plus per-arch and per-capability conditions that podman resolves.
type commonProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch specs.Arch   `json:"architecture"`
		Subs []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		Names    []string                 `json:"names"`
		Action   specs.LinuxSeccompAction `json:"action"`
		ErrnoRet *uint                    `json:"errnoRet"`
		Args     []specs.LinuxSeccompArg  `json:"args"`
		Includes commonFilter             `json:"includes"`
		Excludes commonFilter             `json:"excludes"`
	} `json:"syscalls"`
}

// podmanOCIProfile converts the containers-common profile for amd64 and caps
// the way podman does before it calls the runtime.
func podmanOCIProfile(t *testing.T, caps []string) *specs.LinuxSeccomp {
	t.Helper()
	raw, err := os.ReadFile(podmanProfilePath)
	if err != nil {
		t.Skipf("podman's default profile: %v", err)
	}
	var c commonProfile
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	out := &specs.LinuxSeccomp{DefaultAction: c.DefaultAction, DefaultErrnoRet: c.DefaultErrnoRet}
	for _, m := range c.ArchMap {
		if m.Arch == specs.ArchX86_64 {
			out.Architectures = append([]specs.Arch{m.Arch}, m.Subs...)
		}
	}
	const goarch = "amd64"
	for _, s := range c.Syscalls {
		if len(s.Includes.Arches) > 0 && !slices.Contains(s.Includes.Arches, goarch) {
			continue
		}
		if slices.Contains(s.Excludes.Arches, goarch) {
			continue
		}
		if !allIn(s.Includes.Caps, caps) || anyIn(s.Excludes.Caps, caps) {
			continue
		}
		out.Syscalls = append(out.Syscalls, specs.LinuxSyscall{Names: s.Names, Action: s.Action, ErrnoRet: s.ErrnoRet, Args: s.Args})
	}
	return out
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func anyIn(list, have []string) bool {
	for _, l := range list {
		if slices.Contains(have, l) {
			return true
		}
	}
	return false
}

func TestLoadPodmanProfileBusybox(t *testing.T) {
	requireRoot(t)
	requireAmd64(t)
	bb := busybox(t)
	p := podmanOCIProfile(t, podmanDefaultCaps)
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
	p := podmanOCIProfile(t, podmanDefaultCaps)
	const sysAcct = 163 // excluded without CAP_SYS_PACCT: errnoRet EPERM
	got := errnos(t, runHelper(t, p, "syscalls", []int{unix.SYS_GETPID, sysAcct, 1000}))
	if got[unix.SYS_GETPID] != 0 || got[sysAcct] != int(unix.EPERM) || got[1000] != int(unix.ENOSYS) {
		t.Fatalf("errnos = %v, want getpid 0, acct EPERM, 1000 ENOSYS", got)
	}
}
