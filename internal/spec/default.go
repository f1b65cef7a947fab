// Package spec builds, writes, loads and validates the OCI runtime
// configuration (bundle/config.json) and describes hull's supported features.
package spec

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultHostname replaces runc's "runc" in the generated example config.
const defaultHostname = "hull"

// defaultCaps is the small capability set runc's example config grants; a
// shell in the example container can kill its children and bind low ports,
// nothing more.
var defaultCaps = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// Default returns the example configuration that `runc spec` writes (with
// rootless, what `runc spec --rootless` writes), with hostname "hull" and the
// runtime-spec version hull is built against.
func Default(rootless bool) *specs.Spec {
	s := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm",
			},
			Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  clone(defaultCaps),
				Effective: clone(defaultCaps),
				Permitted: clone(defaultCaps),
				Ambient:   clone(defaultCaps),
			},
			Rlimits: []specs.POSIXRlimit{
				{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024},
			},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: defaultHostname,
		Mounts:   defaultMounts(),
		Linux: &specs.Linux{
			Resources: &specs.LinuxResources{
				// Deny every device node by default; the runtime adds the
				// standard /dev/null, /dev/zero, ... allow rules itself.
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace},
				{Type: specs.NetworkNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.MountNamespace},
			},
			// Masked and read-only paths hide host information and
			// kernel knobs that are not namespaced (kcore, sysrq-trigger,
			// firmware tables, timer statistics used for side channels).
			MaskedPaths: []string{
				"/proc/acpi",
				"/proc/asound",
				"/proc/kcore",
				"/proc/keys",
				"/proc/latency_stats",
				"/proc/timer_list",
				"/proc/timer_stats",
				"/proc/sched_debug",
				"/sys/firmware",
				"/proc/scsi",
			},
			ReadonlyPaths: []string{
				"/proc/bus",
				"/proc/fs",
				"/proc/irq",
				"/proc/sys",
				"/proc/sysrq-trigger",
			},
		},
	}
	if rootless {
		makeRootless(s)
	}
	return s
}

func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs",
			Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

// makeRootless applies the same edits as `runc spec --rootless`: an
// unprivileged user cannot create a network namespace with connectivity,
// cannot write the devices cgroup, has no gid 5 to hand to devpts, and
// cannot mount a fresh sysfs without owning the network namespace, so /sys is
// bind-mounted instead. The caller's own uid/gid become root in a new user
// namespace.
func makeRootless(s *specs.Spec) {
	s.Linux.Resources = nil
	ns := s.Linux.Namespaces[:0]
	for _, n := range s.Linux.Namespaces {
		if n.Type != specs.NetworkNamespace {
			ns = append(ns, n)
		}
	}
	s.Linux.Namespaces = append(ns, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Getegid()), Size: 1}}
	for i := range s.Mounts {
		m := &s.Mounts[i]
		switch m.Destination {
		case "/sys":
			m.Type = "none"
			m.Source = "/sys"
			m.Options = []string{"rbind", "nosuid", "noexec", "nodev", "ro"}
		case "/dev/pts":
			var opts []string
			for _, o := range m.Options {
				if o != "gid=5" {
					opts = append(opts, o)
				}
			}
			m.Options = opts
		}
	}
}

func clone(s []string) []string { return append([]string(nil), s...) }
