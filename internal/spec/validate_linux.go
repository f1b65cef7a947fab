package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsInfo records which namespaces a config lists and whether each is new
// (no path) or joined.
type nsInfo map[specs.LinuxNamespaceType]specs.LinuxNamespace

func (n nsInfo) has(t specs.LinuxNamespaceType) bool { _, ok := n[t]; return ok }

func (n nsInfo) isNew(t specs.LinuxNamespaceType) bool {
	ns, ok := n[t]
	return ok && ns.Path == ""
}

func validateLinux(s *specs.Spec) error {
	l := s.Linux
	if l == nil {
		l = &specs.Linux{}
	}
	ns, err := validateNamespaces(l.Namespaces)
	if err != nil {
		return err
	}
	// sethostname(2) and setdomainname(2) would rename the host.
	if s.Hostname != "" && !ns.has(specs.UTSNamespace) {
		return errors.New("hostname requires a UTS namespace in linux.namespaces")
	}
	if s.Domainname != "" && !ns.has(specs.UTSNamespace) {
		return errors.New("domainname requires a UTS namespace in linux.namespaces")
	}
	if err := validateUserNS(l, ns); err != nil {
		return err
	}
	// /proc/<pid>/timens_offsets can only be written before the first
	// process enters a new time namespace (time_namespaces(7)).
	if len(l.TimeOffsets) > 0 && !ns.isNew(specs.TimeNamespace) {
		return errors.New("linux.timeOffsets requires a new time namespace in linux.namespaces")
	}
	if err := validateDevices(l.Devices); err != nil {
		return err
	}
	if l.Resources != nil {
		if err := validateDeviceRules(l.Resources.Devices); err != nil {
			return err
		}
	}
	if err := validateSysctl(l.Sysctl, ns); err != nil {
		return err
	}
	switch l.RootfsPropagation {
	case "", "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable":
	default:
		return fmt.Errorf("linux.rootfsPropagation %q unknown", l.RootfsPropagation)
	}
	for i, p := range l.MaskedPaths {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("linux.maskedPaths[%d] %q must be absolute", i, p)
		}
	}
	for i, p := range l.ReadonlyPaths {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("linux.readonlyPaths[%d] %q must be absolute", i, p)
		}
	}
	return nil
}

func validateNamespaces(list []specs.LinuxNamespace) (nsInfo, error) {
	ns := nsInfo{}
	first := map[specs.LinuxNamespaceType]int{}
	for i, n := range list {
		f := fmt.Sprintf("linux.namespaces[%d]", i)
		if !namespaceNames[string(n.Type)] {
			return nil, fmt.Errorf("%s.type %q unknown", f, n.Type)
		}
		if j, dup := first[n.Type]; dup {
			return nil, fmt.Errorf("%s.type %q duplicated (also at linux.namespaces[%d])", f, n.Type, j)
		}
		first[n.Type] = i
		if n.Path != "" && !filepath.IsAbs(n.Path) {
			return nil, fmt.Errorf("%s.path %q must be absolute", f, n.Path)
		}
		ns[n.Type] = n
	}
	return ns, nil
}

func validateUserNS(l *specs.Linux, ns nsInfo) error {
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	if !ns.has(specs.UserNamespace) {
		if hasMaps {
			return errors.New("linux.uidMappings/gidMappings require a user namespace in linux.namespaces")
		}
		return nil
	}
	if ns.isNew(specs.UserNamespace) {
		// A new user namespace without a map leaves every id unmapped
		// (nobody), and the runtime could not even set up the container.
		if len(l.UIDMappings) == 0 {
			return errors.New("linux.uidMappings must be set for a new user namespace")
		}
		if len(l.GIDMappings) == 0 {
			return errors.New("linux.gidMappings must be set for a new user namespace")
		}
	}
	if err := validateMappings("linux.uidMappings", l.UIDMappings); err != nil {
		return err
	}
	return validateMappings("linux.gidMappings", l.GIDMappings)
}

func validateMappings(field string, maps []specs.LinuxIDMapping) error {
	for i, m := range maps {
		if m.Size == 0 {
			return fmt.Errorf("%s[%d].size must be greater than zero", field, i)
		}
		// The kernel rejects ranges that wrap around 2^32 (user_namespaces(7)).
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 || uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return fmt.Errorf("%s[%d] range overflows 32-bit ids", field, i)
		}
	}
	return nil
}

func validateDevices(devs []specs.LinuxDevice) error {
	for i, d := range devs {
		f := fmt.Sprintf("linux.devices[%d]", i)
		switch d.Type {
		case "c", "b", "u", "p":
		default:
			return fmt.Errorf("%s.type %q unknown (want c, b, u or p)", f, d.Type)
		}
		if d.Path == "" {
			return fmt.Errorf("%s.path must be set", f)
		}
		if !filepath.IsAbs(d.Path) {
			return fmt.Errorf("%s.path %q must be absolute", f, d.Path)
		}
		if err := noNUL(f+".path", d.Path); err != nil {
			return err
		}
	}
	return nil
}

func validateDeviceRules(rules []specs.LinuxDeviceCgroup) error {
	for i, r := range rules {
		f := fmt.Sprintf("linux.resources.devices[%d]", i)
		switch r.Type {
		case "", "a", "c", "b":
		default:
			return fmt.Errorf("%s.type %q unknown (want a, c or b)", f, r.Type)
		}
		if strings.Trim(r.Access, "rwm") != "" {
			return fmt.Errorf("%s.access %q may only contain r, w and m", f, r.Access)
		}
	}
	return nil
}

// ipcSysctls are the kernel.* keys that belong to the IPC namespace
// (ipc/ipc_sysctl.c); fs.mqueue.* belongs to it as well (ipc/mq_sysctl.c).
var ipcSysctls = setOf([]string{
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
})

// validateSysctl allows only keys owned by a namespace the container does not
// share with the host: writing any other /proc/sys file would reconfigure the
// host kernel (CVE-2022-0811 escaped via kernel.core_pattern).
func validateSysctl(sysctl map[string]string, ns nsInfo) error {
	keys := make([]string, 0, len(sysctl))
	for k := range sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key every time
	for _, key := range keys {
		f := fmt.Sprintf("linux.sysctl[%q]", key)
		if err := checkSysctlKey(key); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := noNUL(f, sysctl[key]); err != nil {
			return err
		}
		// sysctl(8) accepts "/" as separator too; classify on the dotted form.
		dotted := key
		if strings.Contains(key, "/") {
			dotted = strings.ReplaceAll(key, "/", ".")
		}
		switch {
		case ipcSysctls[dotted] || strings.HasPrefix(dotted, "fs.mqueue."):
			if !ns.has(specs.IPCNamespace) {
				return fmt.Errorf("%s is not allowed in the host's IPC namespace (add an ipc namespace)", f)
			}
		case strings.HasPrefix(dotted, "net."):
			host, err := sharesHostNetNS(ns)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if host {
				return fmt.Errorf("%s is not allowed in the host's network namespace (add a network namespace)", f)
			}
		case dotted == "kernel.domainname" && ns.has(specs.UTSNamespace):
		case dotted == "kernel.hostname" && ns.has(specs.UTSNamespace):
			return fmt.Errorf("%s conflicts with the hostname field: set hostname instead", f)
		default:
			return fmt.Errorf("%s is not in a namespace the container owns", f)
		}
	}
	return nil
}

// checkSysctlKey rejects keys that could name a file outside /proc/sys once
// the runtime turns dots into slashes.
func checkSysctlKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if strings.ContainsAny(key, " \t\n\x00") || strings.HasPrefix(key, ".") || strings.HasPrefix(key, "/") ||
		strings.HasSuffix(key, ".") || strings.HasSuffix(key, "/") || strings.Contains(key, "..") || strings.Contains(key, "//") {
		return errors.New("malformed key")
	}
	return nil
}

// sharesHostNetNS reports whether the container would run in the runtime's
// own network namespace: none listed, or a listed path that is the same
// namespace as /proc/self/ns/net (compared by device and inode, which is how
// the kernel identifies namespaces).
func sharesHostNetNS(ns nsInfo) (bool, error) {
	n, ok := ns[specs.NetworkNamespace]
	if !ok {
		return true, nil
	}
	if n.Path == "" {
		return false, nil
	}
	var want, self unix.Stat_t
	if err := unix.Stat(n.Path, &want); err != nil {
		return false, fmt.Errorf("check network namespace %s: %w", n.Path, err)
	}
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("check network namespace /proc/self/ns/net: %w", err)
	}
	return want.Dev == self.Dev && want.Ino == self.Ino, nil
}
