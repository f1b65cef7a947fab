package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/seccomp"
)

// benchOCIVersion is what every bench config declares: crun 1.8.1 rejects
// anything newer than the runtime-spec it was built against ("unknown
// version specified" for 1.3.0), and runc and hull accept 1.0.2.
const benchOCIVersion = "1.0.2"

// bundles are the configs the cases use; all share one read-only rootfs.
type bundles struct {
	True   string // process /bin/true, hull spec's defaults
	Sleep  string // a long-lived container for exec
	Podman string // /bin/true with the config podman sends
	// PodmanSleep is Podman running sleep, for exec with podman's config
	// (its seccomp profile applies to every exec).
	PodmanSleep string
	// CgroupNS is True with a new cgroup namespace, which containerd's CRI
	// and podman ask for by default on a cgroup v2 host.
	CgroupNS string
	Rootfs   string
}

// makeBundles builds the busybox rootfs with scripts/mkbundle.sh and derives
// the three configs from the spec `hull spec` wrote.
func makeBundles(dir, hull, mkbundle string) (*bundles, error) {
	base := filepath.Join(dir, "base")
	cmd := exec.Command(mkbundle, base, hull, "--", "/bin/true")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", mkbundle, err, out)
	}
	b := &bundles{Rootfs: filepath.Join(base, "rootfs")}
	// podman bind-mounts these files; their mountpoints must exist in a
	// read-only rootfs.
	for _, f := range []string{"etc/hostname", "etc/hosts", "etc/resolv.conf"} {
		if err := os.WriteFile(filepath.Join(b.Rootfs, f), nil, 0o644); err != nil {
			return nil, fmt.Errorf("create mountpoint: %w", err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(base, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("read base config: %w", err)
	}
	load := func() (*specs.Spec, error) {
		var s specs.Spec
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("parse base config: %w", err)
		}
		s.Version = benchOCIVersion
		s.Root.Path = b.Rootfs
		return &s, nil
	}
	variants := []struct {
		dst  *string
		name string
		edit func(*specs.Spec, string) error
	}{
		{&b.True, "true", func(*specs.Spec, string) error { return nil }},
		{&b.Sleep, "sleep", func(s *specs.Spec, _ string) error {
			s.Process.Args = []string{"/bin/sleep", "3600"}
			return nil
		}},
		{&b.Podman, "podman", podmanize},
		{&b.CgroupNS, "cgroupns", func(s *specs.Spec, _ string) error {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
			return nil
		}},
		{&b.PodmanSleep, "podman-sleep", func(s *specs.Spec, d string) error {
			s.Process.Args = []string{"/bin/sleep", "3600"}
			return podmanize(s, d)
		}},
	}
	for _, v := range variants {
		s, err := load()
		if err != nil {
			return nil, err
		}
		d := filepath.Join(dir, v.name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("mkdir %s: %w", d, err)
		}
		if err := v.edit(s, d); err != nil {
			return nil, err
		}
		out, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			return nil, fmt.Errorf("encode %s config: %w", v.name, err)
		}
		if err := os.WriteFile(filepath.Join(d, "config.json"), out, 0o644); err != nil {
			return nil, fmt.Errorf("write %s config: %w", v.name, err)
		}
		*v.dst = d
	}
	return b, nil
}

// podmanize turns the minimal config into what podman 4 sends for
// `podman run busybox true` as root on a cgroup v1 host: its capability
// set, seccomp profile, masked and read-only paths, device allow-list, pids
// limit, ping sysctl, and ten mounts (the seven defaults plus the
// /etc/hostname, /etc/hosts and /etc/resolv.conf bind mounts).
func podmanize(s *specs.Spec, dir string) error {
	s.Root.Readonly = false
	caps := seccomp.ContainersDefaultCaps
	s.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps,
	}
	s.Process.Env = append(s.Process.Env, "container=podman", "HOSTNAME=bench", "HOME=/root")
	// podman asks for 1048576 open files and 4194304 processes; raising
	// a hard limit above ours needs CAP_SYS_RESOURCE, which a sandboxed
	// root may lack, and every runtime would then fail alike.
	s.Process.Rlimits = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Hard: capped(unix.RLIMIT_NOFILE, 1048576)},
		{Type: "RLIMIT_NPROC", Hard: capped(unix.RLIMIT_NPROC, 4194304)},
	}
	for i := range s.Process.Rlimits {
		s.Process.Rlimits[i].Soft = s.Process.Rlimits[i].Hard
	}
	for _, f := range []struct{ name, body string }{
		{"hostname", "bench\n"},
		{"hosts", "127.0.0.1 localhost\n::1 localhost\n"},
		{"resolv.conf", "nameserver 10.0.2.3\n"},
	} {
		src := filepath.Join(dir, f.name)
		if err := os.WriteFile(src, []byte(f.body), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", src, err)
		}
		s.Mounts = append(s.Mounts, specs.Mount{
			Destination: "/etc/" + f.name, Type: "bind", Source: src,
			Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"},
		})
	}
	s.Linux.MaskedPaths = []string{
		"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/fs/selinux", "/sys/dev/block",
	}
	s.Linux.ReadonlyPaths = []string{
		"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
	s.Linux.Sysctl = map[string]string{"net.ipv4.ping_group_range": "0 0"}
	pids := int64(2048)
	s.Linux.Resources = &specs.LinuxResources{
		Pids:    &specs.LinuxPids{Limit: &pids},
		Devices: podmanDevices(),
	}
	sc, err := podmanSeccomp(caps)
	if err != nil {
		return err
	}
	s.Linux.Seccomp = sc
	return nil
}

func podmanDevices() []specs.LinuxDeviceCgroup {
	i := func(v int64) *int64 { return &v }
	rule := func(typ string, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: major, Minor: minor, Access: access}
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		rule("c", nil, nil, "m"), rule("b", nil, nil, "m"),
		rule("c", i(1), i(3), "rwm"), rule("c", i(1), i(8), "rwm"), rule("c", i(1), i(7), "rwm"),
		rule("c", i(5), i(0), "rwm"), rule("c", i(1), i(5), "rwm"), rule("c", i(1), i(9), "rwm"),
		rule("c", i(5), i(1), "rwm"), rule("c", i(136), nil, "rwm"), rule("c", i(5), i(2), "rwm"),
		rule("c", i(10), i(200), "rwm"),
	}
}

// podmanSeccomp converts containers-common's profile for this architecture
// and caps, as podman does before it calls the runtime. Without the file
// the podman case runs with no seccomp and says so.
func podmanSeccomp(caps []string) (*specs.LinuxSeccomp, error) {
	raw, err := os.ReadFile(seccomp.ContainersProfilePath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hullbench: podman case without seccomp: %v\n", err)
		return nil, nil
	}
	p, err := seccomp.FromContainersProfile(raw, runtime.GOARCH, caps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", seccomp.ContainersProfilePath, err)
	}
	return p, nil
}

// capped is want, or our own hard limit for res when that is lower.
func capped(res int, want uint64) uint64 {
	var rl unix.Rlimit
	if unix.Getrlimit(res, &rl) == nil && rl.Max < want {
		return rl.Max
	}
	return want
}
