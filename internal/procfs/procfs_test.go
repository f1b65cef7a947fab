package procfs

import (
	"os"
	"os/exec"
	"testing"
)

func TestReadStatSelfAndAlive(t *testing.T) {
	st, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.StartTime == 0 {
		t.Fatal("no start time")
	}
	if !Alive(os.Getpid(), st.StartTime) {
		t.Fatal("self not alive")
	}
	if Alive(os.Getpid(), st.StartTime+1) {
		t.Fatal("a different start time must read as another process (pid reuse)")
	}
}

func TestCommWithSpacesAndParens(t *testing.T) {
	// A command name with ") " must not shift the fields.
	dir := t.TempDir()
	name := dir + "/a) b ("
	if err := os.Symlink("/bin/sleep", name); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	st, err := ReadStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'S' && st.State != 'R' {
		t.Fatalf("state %q", st.State)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if Alive(cmd.Process.Pid, st.StartTime) {
		t.Fatal("reaped process still alive")
	}
}

func TestHandleRefusesNonProc(t *testing.T) {
	if _, err := Open(t.TempDir()); err == nil {
		t.Fatal("a plain directory was accepted as procfs")
	}
	h, err := Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// self is a symlink: refused, callers must name their pid.
	if err := h.WriteFile("self/comm", []byte("x")); err == nil {
		t.Fatal("write through the self symlink was allowed")
	}
	if err := h.WriteFile(SelfPath("comm"), []byte("procfs.test")); err != nil {
		t.Fatal(err)
	}
}
