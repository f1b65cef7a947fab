package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestNamespacesAreNew: every namespace in the spec differs from the host's.
func TestNamespacesAreNew(t *testing.T) {
	t.Parallel()
	kinds := []string{"ipc", "mnt", "net", "pid", "uts", "cgroup"}
	out := scriptOutput(t, `for n in ipc mnt net pid uts cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done`,
		func(s *specs.Spec) { setNamespace(s, specs.CgroupNamespace, "") })
	got := map[string]string{}
	for _, l := range lines(out) {
		if f := strings.Fields(l); len(f) == 2 {
			got[f[0]] = f[1]
		}
	}
	for _, k := range kinds {
		host, err := os.Readlink("/proc/self/ns/" + k)
		if err != nil {
			t.Fatal(err)
		}
		if got[k] == "" || got[k] == host {
			t.Errorf("%s namespace inside = %q, host = %q: want a new one", k, got[k], host)
		}
	}
}

// TestUTSNamespace: the hostname is set inside and only inside.
func TestUTSNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "hostname; cat /proc/sys/kernel/domainname", func(s *specs.Spec) {
		s.Hostname = "hull-uts"
		s.Domainname = "hull.example"
	})
	if out != "hull-uts\nhull.example" {
		t.Errorf("hostname/domainname inside = %q", out)
	}
}

// TestPIDNamespace: the user process is pid 1 and sees only its namespace.
func TestPIDNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, `echo $$; ls /proc | grep -c '^[0-9]'`, nil)
	l := lines(out)
	if len(l) != 2 || l[0] != "1" {
		t.Fatalf("echo $$ inside = %q, want 1", out)
	}
	if l[1] != "1" && l[1] != "2" && l[1] != "3" {
		t.Errorf("%s processes visible in /proc; want only the container's", l[1])
	}
}

// TestNetNamespace: a new network namespace has only lo.
func TestNetNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, `ls /sys/class/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`, nil)
	for _, l := range lines(out) {
		if l != "lo" {
			t.Errorf("interface %q in a new netns; want only lo (all: %q)", l, out)
		}
	}
}

// TestCgroupNamespace: inside a cgroup namespace the own cgroup is "/".
func TestCgroupNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "cat /proc/self/cgroup", func(s *specs.Spec) { setNamespace(s, specs.CgroupNamespace, "") })
	for _, l := range lines(out) {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("cgroup line %q inside a cgroup namespace, want path /", l)
		}
	}
}

// TestUserNamespace: uid/gid mappings are applied; root inside is an
// unprivileged uid outside.
func TestUserNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "cat /proc/self/uid_map /proc/self/gid_map; id -u", func(s *specs.Spec) {
		setNamespace(s, specs.UserNamespace, "")
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	})
	l := lines(out)
	if len(l) != 3 {
		t.Fatalf("output %q", out)
	}
	for _, m := range l[:2] {
		if strings.Join(strings.Fields(m), " ") != "0 100000 65536" {
			t.Errorf("map line %q, want 0 100000 65536", m)
		}
	}
	if l[2] != "0" {
		t.Errorf("id -u = %q, want 0", l[2])
	}
}

// TestJoinNetNamespaceByPath: a namespace path joins that namespace.
func TestJoinNetNamespaceByPath(t *testing.T) {
	t.Parallel()
	holder := exec.Command("unshare", "--net", "sleep", "300")
	if err := holder.Start(); err != nil {
		t.Skipf("unshare --net: %v", err)
	}
	testutil.TrackProcess(t, holder.Process.Pid)
	t.Cleanup(func() {
		_ = holder.Process.Kill()
		_ = holder.Wait()
	})
	nsPath := fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid)
	self, _ := os.Readlink("/proc/self/ns/net")
	var want string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		want, _ = os.Readlink(nsPath)
		if want != "" && want != self {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want == "" || want == self {
		t.Fatalf("holder never entered a new netns")
	}
	out := scriptOutput(t, "readlink /proc/self/ns/net", func(s *specs.Spec) {
		setNamespace(s, specs.NetworkNamespace, nsPath)
	})
	if out != want {
		t.Errorf("net ns inside = %q, want the holder's %q", out, want)
	}
}

// TestIPCNamespace: SysV IPC objects created inside are not on the host.
func TestIPCNamespace(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "readlink /proc/self/ns/ipc; cat /proc/sys/kernel/shmmni", nil)
	host, _ := os.Readlink("/proc/self/ns/ipc")
	if l := lines(out); len(l) == 0 || l[0] == host {
		t.Errorf("ipc ns inside %q equals the host's %q", out, host)
	}
}

// TestSysctl: sysctls apply inside the container's namespaces only (the
// host value is guarded by TestMain).
func TestSysctl(t *testing.T) {
	t.Parallel()
	out := scriptOutput(t, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax", func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.msgmax": "4242"}
	})
	if out != "1\n4242" {
		t.Errorf("sysctls inside = %q, want 1 and 4242", out)
	}
}
