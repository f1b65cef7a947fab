package rootfs

import (
	"os"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	o, err := parseMountOptions([]string{"rbind", "ro", "nosuid", "rprivate", "rro", "rnoexec", "size=1m", "mode=755", "tmpcopyup"})
	if err != nil {
		t.Fatal(err)
	}
	want := uintptr(unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID)
	if o.flags != want {
		t.Errorf("flags = %#x, want %#x", o.flags, want)
	}
	if len(o.propagation) != 1 || o.propagation[0] != unix.MS_PRIVATE|unix.MS_REC {
		t.Errorf("propagation = %v", o.propagation)
	}
	if o.attrSet != unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOEXEC || o.attrClr != 0 {
		t.Errorf("attrs set=%#x clr=%#x", o.attrSet, o.attrClr)
	}
	if got := o.dataString(); got != "size=1m,mode=755" {
		t.Errorf("data = %q", got)
	}
	if !o.tmpcopyup || !o.flagsTouched {
		t.Errorf("tmpcopyup=%v flagsTouched=%v", o.tmpcopyup, o.flagsTouched)
	}
}

func TestParseMountOptionsLaterWins(t *testing.T) {
	o, err := parseMountOptions([]string{"ro", "rw", "nosuid", "suid", "rro", "rrw"})
	if err != nil {
		t.Fatal(err)
	}
	if o.flags != 0 {
		t.Errorf("flags = %#x, want 0", o.flags)
	}
	if o.attrSet != 0 || o.attrClr != unix.MOUNT_ATTR_RDONLY {
		t.Errorf("attrs set=%#x clr=%#x", o.attrSet, o.attrClr)
	}
	if !o.flagsTouched {
		t.Error("rw/suid must count as touched flags so a bind is remounted")
	}
}

func TestParseMountOptionsBindOnlyNotTouched(t *testing.T) {
	o, err := parseMountOptions([]string{"rbind", "defaults"})
	if err != nil {
		t.Fatal(err)
	}
	if o.flagsTouched {
		t.Error("plain rbind must not trigger a remount")
	}
}

func TestParseMountOptionsAtime(t *testing.T) {
	o, err := parseMountOptions([]string{"rnoatime"})
	if err != nil {
		t.Fatal(err)
	}
	if o.attrClr != unix.MOUNT_ATTR__ATIME || o.attrSet != unix.MOUNT_ATTR_NOATIME {
		t.Errorf("rnoatime: set=%#x clr=%#x", o.attrSet, o.attrClr)
	}
	o, _ = parseMountOptions([]string{"rnoatime", "rstrictatime"})
	if o.attrSet != unix.MOUNT_ATTR_STRICTATIME {
		t.Errorf("later atime option must replace: set=%#x", o.attrSet)
	}
}

func TestParseMountOptionsIdmapRefused(t *testing.T) {
	if _, err := parseMountOptions([]string{"idmap"}); err == nil {
		t.Error("idmap must be refused, not ignored")
	}
}

func TestParseRootPropagation(t *testing.T) {
	for in, want := range map[string]uintptr{
		"":        0,
		"rslave":  unix.MS_SLAVE | unix.MS_REC,
		"shared":  unix.MS_SHARED,
		"private": unix.MS_PRIVATE,
	} {
		got, err := parseRootPropagation(in)
		if err != nil || got != want {
			t.Errorf("%q: got %#x %v, want %#x", in, got, err, want)
		}
	}
	if _, err := parseRootPropagation("bogus"); err == nil {
		t.Error("bogus propagation accepted")
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/../../etc": "/etc",
		"dev/null":       "/dev/null",
		"/":              "/",
		"../../x":        "/x",
	} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

const sampleCgroup = `12:cpu,cpuacct:/user.slice/c1
11:memory:/c1
1:name=systemd:/c1
0::/c1
`

func TestV1Hierarchies(t *testing.T) {
	own := parseProcCgroup(sampleCgroup)
	if own[""] != "/c1" || own["cpu,cpuacct"] != "/user.slice/c1" {
		t.Fatalf("parseProcCgroup = %v", own)
	}
	mounts := []*mountinfo.Info{
		{FSType: "cgroup", Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", VFSOptions: "rw,cpu,cpuacct"},
		{FSType: "cgroup", Mountpoint: "/sys/fs/cgroup/memory", Root: "/", VFSOptions: "rw,memory"},
		// A second mount of the same hierarchy must not yield a second entry.
		{FSType: "cgroup", Mountpoint: "/other/memory", Root: "/", VFSOptions: "rw,memory"},
		{FSType: "cgroup", Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", VFSOptions: "rw,xattr,name=systemd"},
		{FSType: "cgroup", Mountpoint: "/sys/fs/cgroup/cpuacct", Root: "/", VFSOptions: "rw,cpuacct"},
	}
	got := v1Hierarchies(mounts, own)
	want := []cgroupHierarchy{
		{"cpu,cpuacct", "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1"},
		{"memory", "memory", "/sys/fs/cgroup/memory/c1"},
		{"systemd", "name=systemd", "/sys/fs/cgroup/systemd/c1"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestV1HierarchiesNonRootMount(t *testing.T) {
	own := parseProcCgroup("4:memory:/outer/inner\n")
	mounts := []*mountinfo.Info{{FSType: "cgroup", Mountpoint: "/sys/fs/cgroup/memory", Root: "/outer", VFSOptions: "rw,memory"}}
	got := v1Hierarchies(mounts, own)
	if len(got) != 1 || got[0].source != "/sys/fs/cgroup/memory/inner" {
		t.Errorf("got %+v", got)
	}
}

func TestAllDevicesOverride(t *testing.T) {
	m := os.FileMode(0o600)
	devs := allDevices([]specs.LinuxDevice{{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: &m}})
	n := 0
	for _, d := range devs {
		if d.Path == "/dev/null" {
			n++
			if *d.FileMode != 0o600 {
				t.Error("spec device did not override default")
			}
		}
	}
	if n != 1 || len(devs) != len(defaultDevices) {
		t.Errorf("got %d /dev/null entries, %d devices", n, len(devs))
	}
}

func TestNeedsDevSetup(t *testing.T) {
	if !needsDevSetup([]specs.Mount{{Destination: "/dev", Type: "tmpfs"}}) {
		t.Error("tmpfs /dev still needs devices")
	}
	if needsDevSetup([]specs.Mount{{Destination: "/dev/", Type: "none", Options: []string{"rbind"}}}) {
		t.Error("bind-mounted /dev must be left alone")
	}
}

func TestDeviceModeAndPerm(t *testing.T) {
	for typ, want := range map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO} {
		if got, err := deviceMode(typ); err != nil || got != want {
			t.Errorf("%s: %#o %v", typ, got, err)
		}
	}
	if _, err := deviceMode("x"); err == nil {
		t.Error("type x accepted")
	}
	if got := permBits(0o640 | os.ModeSetuid); got != 0o4640 {
		t.Errorf("permBits = %#o", got)
	}
}

func TestParentMount(t *testing.T) {
	ms := []*mountinfo.Info{{Mountpoint: "/"}, {Mountpoint: "/var"}, {Mountpoint: "/var/lib/x"}, {Mountpoint: "/var/li"}}
	if p := parentMount(ms, "/var/lib/x/rootfs"); p.Mountpoint != "/var/lib/x" {
		t.Errorf("got %s", p.Mountpoint)
	}
	if p := parentMount(ms, "/var/lib/y"); p.Mountpoint != "/var" {
		t.Errorf("got %s", p.Mountpoint)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []*Config{nil, {}, {Spec: &specs.Spec{}, Rootfs: "rel"}, {Spec: &specs.Spec{}, Rootfs: "/"}, {Spec: &specs.Spec{}, Rootfs: "/a/../b"}} {
		if err := c.validate(); err == nil {
			t.Errorf("validate(%+v) accepted", c)
		}
	}
}

func TestMountErrorFormat(t *testing.T) {
	err := mountError(&specs.Mount{Source: "src", Destination: "/d", Type: "tmpfs"}, unix.EPERM)
	if !strings.Contains(err.Error(), "mount src on /d (type tmpfs): operation not permitted") {
		t.Errorf("got %q", err)
	}
}
