package spec

import (
	"encoding/json"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestFeaturesFollowFeatureSet(t *testing.T) {
	off := Features(FeatureSet{})
	if off.OCIVersionMin != "1.0.0" || off.OCIVersionMax != specs.Version {
		t.Errorf("versions = %q..%q", off.OCIVersionMin, off.OCIVersionMax)
	}
	l := off.Linux
	for name, p := range map[string]*bool{
		"seccomp": l.Seccomp.Enabled, "apparmor": l.Apparmor.Enabled, "selinux": l.Selinux.Enabled,
		"cgroup.v1": l.Cgroup.V1, "cgroup.v2": l.Cgroup.V2, "cgroup.systemd": l.Cgroup.Systemd,
		"intelRdt": l.IntelRdt.Enabled, "idmap": l.MountExtensions.IDMap.Enabled,
	} {
		if p == nil || *p {
			t.Errorf("%s should be reported as false when off, got %v", name, p)
		}
	}
	if l.Seccomp.Actions != nil || slices.Contains(off.MountOptions, "idmap") {
		t.Error("disabled features still list their vocabulary")
	}

	on := Features(FeatureSet{Seccomp: true, AppArmor: true, SELinux: true, CgroupV1: true, CgroupV2: true, Systemd: true, IntelRdt: true, IDMap: true})
	l = on.Linux
	for name, p := range map[string]*bool{
		"seccomp": l.Seccomp.Enabled, "apparmor": l.Apparmor.Enabled, "selinux": l.Selinux.Enabled,
		"cgroup.v1": l.Cgroup.V1, "cgroup.v2": l.Cgroup.V2, "cgroup.systemd": l.Cgroup.Systemd,
		"intelRdt": l.IntelRdt.Enabled, "idmap": l.MountExtensions.IDMap.Enabled,
	} {
		if p == nil || !*p {
			t.Errorf("%s should be true when on", name)
		}
	}
	if !slices.Contains(l.Seccomp.Actions, "SCMP_ACT_ERRNO") || !slices.Contains(on.MountOptions, "idmap") {
		t.Error("enabled features miss their vocabulary")
	}
	if !slices.Contains(on.Hooks, "createRuntime") || !slices.Contains(l.Namespaces, "time") ||
		!slices.Contains(l.Capabilities, "CAP_CHECKPOINT_RESTORE") || len(l.Capabilities) != 41 {
		t.Error("hooks, namespaces or capabilities incomplete")
	}
	// Features hands out copies: editing one document does not leak.
	on.Hooks[0] = "x"
	if Features(FeatureSet{}).Hooks[0] != "prestart" {
		t.Error("Features shares slices between calls")
	}
	if _, err := json.Marshal(on); err != nil {
		t.Fatal(err)
	}
}

// Everything Features advertises must also pass Validate.
func TestFeaturesAgreeWithValidate(t *testing.T) {
	f := Features(FeatureSet{})
	for _, ns := range f.Linux.Namespaces {
		if !namespaceNames[ns] {
			t.Errorf("namespace %q advertised but rejected", ns)
		}
	}
	s := Default(false)
	s.Process.Capabilities.Bounding = f.Linux.Capabilities
	if err := Validate(s, newBundle(t, nil)); err != nil {
		t.Errorf("advertised capabilities rejected: %v", err)
	}
}
