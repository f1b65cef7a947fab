package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// FeatureSet says which optional subsystems this hull build implements. The
// features document must not claim more: containerd and podman pick code
// paths (idmapped mounts, seccomp notify, ...) from it.
type FeatureSet struct {
	Seccomp, AppArmor, SELinux, CgroupV1, CgroupV2, Systemd, IntelRdt, IDMap bool
	// What the seccomp filter compiler and the running kernel support;
	// nil means the built-in vocabulary below.
	SeccompActions, SeccompOperators, SeccompArchs, SeccompFlags []string
}

// hookNames are the hook kinds hull runs, in lifecycle order.
var hookNames = []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}

// mountOptions are the generic (non-filesystem-specific) options hull maps to
// mount(2) flags, propagation changes and, for the "r" variants,
// mount_setattr(2) with AT_RECURSIVE (Linux 5.12).
var mountOptions = []string{
	"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"iversion", "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime",
	"noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime",
	"nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime",
	"relatime", "remount", "rexec", "rnoatime", "rnodev", "rnodiratime",
	"rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro",
	"rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime",
	"rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
	"strictatime", "suid", "symfollow", "sync", "unbindable",
}

// Seccomp vocabulary hull's filter compiler understands. SCMP_ACT_NOTIFY is
// left out: it needs a listener socket hand-off that hull does not do.
var (
	seccompActions = []string{
		"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
	}
	seccompOperators = []string{
		"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
		"SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
	}
	seccompArchs = []string{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}
)

// Features returns the OCI features document (`hull features`) for a build
// implementing fs. Optional subsystems that are off are reported as false,
// not omitted, so callers do not mistake them for "unknown".
func Features(fs FeatureSet) *features.Features {
	opts := clone(mountOptions)
	if fs.IDMap {
		opts = append(opts, "idmap", "ridmap")
	}
	f := &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         clone(hookNames),
		MountOptions:  opts,
		Linux: &features.Linux{
			Namespaces:   clone(namespaceTypes),
			Capabilities: clone(capabilityOrder),
			Cgroup: &features.Cgroup{
				V1:          boolPtr(fs.CgroupV1),
				V2:          boolPtr(fs.CgroupV2),
				Systemd:     boolPtr(fs.Systemd),
				SystemdUser: boolPtr(false),
				Rdma:        boolPtr(false),
			},
			Seccomp:  &features.Seccomp{Enabled: boolPtr(fs.Seccomp)},
			Apparmor: &features.Apparmor{Enabled: boolPtr(fs.AppArmor)},
			Selinux:  &features.Selinux{Enabled: boolPtr(fs.SELinux)},
			IntelRdt: &features.IntelRdt{Enabled: boolPtr(fs.IntelRdt)},
			MountExtensions: &features.MountExtensions{
				IDMap: &features.IDMap{Enabled: boolPtr(fs.IDMap)},
			},
			NetDevices: &features.NetDevices{Enabled: boolPtr(false)},
		},
	}
	if fs.Seccomp {
		f.Linux.Seccomp.Actions = orDefault(fs.SeccompActions, seccompActions)
		f.Linux.Seccomp.Operators = orDefault(fs.SeccompOperators, seccompOperators)
		f.Linux.Seccomp.Archs = orDefault(fs.SeccompArchs, seccompArchs)
		if fs.SeccompFlags != nil {
			f.Linux.Seccomp.KnownFlags = clone(fs.SeccompFlags)
			f.Linux.Seccomp.SupportedFlags = clone(fs.SeccompFlags)
		}
	}
	return f
}

func boolPtr(b bool) *bool { return &b }

func orDefault(v, def []string) []string {
	if v != nil {
		return clone(v)
	}
	return clone(def)
}
