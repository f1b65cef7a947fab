package cgroups

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCloneDirBornInto (pure v2 hosts, as root: the VM suite): a process
// started with CLONE_INTO_CGROUP on CloneDir's fd is in the container's
// cgroup from its first instruction, Apply takes it as placed (bornIn), and
// Destroy removes the dir CloneDir made.
func TestCloneDirBornInto(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if mode, err := DetectMode(); err != nil || mode != Unified {
		t.Skipf("needs a pure cgroup v2 host (mode %q, err %v)", mode, err)
	}
	name := testName(t)
	mg, err := New("/"+name, "", false)
	if err != nil {
		t.Fatal(err)
	}
	cleanupManager(t, mg, name)
	m := mg.(*manager)
	fd, err := m.CloneDir(true)
	if err != nil || fd < 0 {
		t.Fatalf("CloneDir = %d, %v; want an fd on a v2 host", fd, err)
	}
	defer syscall.Close(fd)
	dir := m.st.Paths["unified"]
	if len(m.st.Created) != 1 || m.st.Created[0] != dir {
		t.Errorf("Created %v, want [%s]: CloneDir must record what it makes", m.st.Created, dir)
	}
	pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "100"}, &syscall.ProcAttr{
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd},
	})
	if err != nil {
		t.Fatalf("clone3 into %s: %v", dir, err)
	}
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	})
	if !m.bornIn("unified", pid) {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
		t.Fatalf("pid %d not seen born in %s: /proc/pid/cgroup %q", pid, dir, b)
	}
	if err := mg.Apply(pid); err != nil {
		t.Fatalf("Apply of a process born in its cgroup: %v", err)
	}
	procs := readTrim(t, dir+"/cgroup.procs")
	if !strings.Contains(" "+strings.Join(strings.Fields(procs), " ")+" ", " "+strconv.Itoa(pid)+" ") {
		t.Errorf("cgroup.procs %q lacks %d", procs, pid)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, 0, nil)
	if err := mg.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Destroy (%v)", dir, err)
	}
}

// TestCloneDirOnlyOnV2: elsewhere (this hybrid host) CloneDir declines,
// and Apply writes the pid as before.
func TestCloneDirOnlyOnV2(t *testing.T) {
	m := &manager{st: State{Mode: Hybrid, Paths: map[string]string{"unified": "/sys/fs/cgroup/unified/x"}}}
	if fd, err := m.CloneDir(true); fd != -1 || err != nil {
		t.Errorf("CloneDir on a hybrid host = %d, %v; want -1, nil", fd, err)
	}
	m = &manager{st: State{Mode: Unified, Paths: map[string]string{"unified": "/sys/fs/cgroup/x"}}, rootless: true}
	if fd, err := m.CloneDir(true); fd != -1 || err != nil {
		t.Errorf("CloneDir rootless = %d, %v; want -1, nil", fd, err)
	}
	if m.bornIn("unified", os.Getpid()) {
		t.Error("bornIn without CloneDir must be false")
	}
}
