//go:build cgo

package seccomp

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// mkdirProfile blocks mkdir(2)/mkdirat(2) with action and allows the rest.
func mkdirProfile(action specs.LinuxSeccompAction, flags ...specs.LinuxSeccompFlag) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         flags,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: action}},
	}
}

func TestLoadMkdirEPERM(t *testing.T) {
	requireRoot(t)
	bb := busybox(t)
	for _, tc := range []struct {
		name  string
		nnp   string
		flags []specs.LinuxSeccompFlag
	}{
		{"privileged", "0", nil},
		{"no_new_privs", "1", nil},
		{"tsync", "0", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}},
		{"log+spec_allow", "1", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			r := runHelper(t, mkdirProfile(specs.ActErrno, tc.flags...), "exec", []string{bb, "mkdir", dir}, envNNP+"="+tc.nnp)
			if r.err == nil {
				t.Fatalf("mkdir succeeded under the filter\nstderr: %s", r.stderr)
			}
			if !strings.Contains(r.stderr, "Operation not permitted") {
				t.Fatalf("mkdir error = %q (%v), want EPERM", r.stderr, r.err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("directory exists after a blocked mkdir: %v", err)
			}
		})
	}
}

// The same binary without a filter (or with one that ignores mkdir) works:
// guards against the EPERM test passing for another reason.
func TestLoadMkdirAllowed(t *testing.T) {
	requireRoot(t)
	bb := busybox(t)
	dir := filepath.Join(t.TempDir(), "d")
	p := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"rmdir"}, Action: specs.ActErrno}}}
	if r := runHelper(t, p, "exec", []string{bb, "mkdir", dir}); r.err != nil {
		t.Fatalf("mkdir: %v\n%s", r.err, r.stderr)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKillActions(t *testing.T) {
	requireRoot(t)
	bb := busybox(t)
	for _, act := range []specs.LinuxSeccompAction{specs.ActKillProcess, specs.ActKill, specs.ActTrap} {
		t.Run(string(act), func(t *testing.T) {
			r := runHelper(t, mkdirProfile(act), "exec", []string{bb, "mkdir", filepath.Join(t.TempDir(), "d")})
			if !r.status.Signaled() || r.status.Signal() != unix.SIGSYS {
				t.Fatalf("status = %#x (%v), want killed by SIGSYS\nstderr: %s", uint32(r.status), r.err, r.stderr)
			}
		})
	}
}

// containerdProfile loads testdata/containerd-default.json: containerd's
// default profile (contrib/seccomp DefaultProfile) as containerd generates it
// on amd64 for its default capability set (no CAP_SYS_ADMIN, so clone is
// limited by a SCMP_CMP_MASKED_EQ rule and clone3 answers ENOSYS). Its
// default action is SCMP_ACT_ERRNO without defaultErrnoRet: EPERM.
func containerdProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	raw, err := os.ReadFile("testdata/containerd-default.json")
	if err != nil {
		t.Fatal(err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestLoadUnknownSyscallGetsENOSYS(t *testing.T) {
	requireRoot(t)
	requireAmd64(t)
	const (
		sysAcct   = 163 // below the profile's highest syscall, not listed
		sysClone3 = 435 // listed with errnoRet ENOSYS
		unknown   = 1000
		futureNr  = 470 // above every syscall the profile names
	)
	got := errnos(t, runHelper(t, containerdProfile(t), "syscalls", []int{unix.SYS_GETPID, sysAcct, sysClone3, futureNr, unknown}))
	want := map[int]int{
		unix.SYS_GETPID: 0,
		sysAcct:         int(unix.EPERM),
		sysClone3:       int(unix.ENOSYS),
		futureNr:        int(unix.ENOSYS),
		unknown:         int(unix.ENOSYS),
	}
	for nr, e := range want {
		if got[nr] != e {
			t.Errorf("syscall %d: errno %d, want %d (all: %v)", nr, got[nr], e, got)
		}
	}
}

func TestLoadContainerdProfileBusybox(t *testing.T) {
	requireRoot(t)
	requireAmd64(t)
	bb := busybox(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runHelper(t, containerdProfile(t), "exec", []string{bb, "ls", dir}, envNNP+"=1")
	if r.err != nil || !strings.Contains(r.stdout, "marker") {
		t.Fatalf("busybox ls under containerd's profile: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
}

// The notify agent in this test receives the listener fd over the unix
// socket, checks the state that comes with it, and answers every mkdir with
// "success" without creating anything.
func TestLoadNotify(t *testing.T) {
	requireRoot(t)
	if api, _ := libseccomp.GetAPI(); api < 6 {
		t.Skip("libseccomp/kernel without user notification")
	}
	bb := busybox(t)
	tmp := t.TempDir()
	sock := filepath.Join(tmp, "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	type received struct {
		state    specs.ContainerProcessState
		syscalls []string
		pids     []uint32
		err      error
	}
	done := make(chan struct{})
	result := make(chan received, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var got received
		defer func() { result <- got }()
		_ = ln.SetDeadline(time.Now().Add(20 * time.Second))
		conn, err := ln.AcceptUnix()
		if err != nil {
			got.err = err
			return
		}
		defer conn.Close()
		buf := make([]byte, 1<<16)
		oob := make([]byte, unix.CmsgSpace(4))
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			got.err = err
			return
		}
		if err := json.Unmarshal(buf[:n], &got.state); err != nil {
			got.err = err
			return
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			got.err = errors.Join(errors.New("no SCM_RIGHTS message"), err)
			return
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			got.err = errors.Join(errors.New("want exactly one fd"), err)
			return
		}
		fd := fds[0]
		defer unix.Close(fd)
		for {
			select {
			case <-done:
				return
			default:
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if n, _ := unix.Poll(pfd, 100); n <= 0 || pfd[0].Revents&unix.POLLIN == 0 {
				continue
			}
			req, err := libseccomp.NotifReceive(libseccomp.ScmpFd(fd))
			if err != nil {
				continue
			}
			name, _ := req.Data.Syscall.GetName()
			got.syscalls = append(got.syscalls, name)
			got.pids = append(got.pids, req.Pid)
			_ = libseccomp.NotifRespond(libseccomp.ScmpFd(fd), &libseccomp.ScmpNotifResp{ID: req.ID, Error: 0, Val: 0})
		}
	}()

	p := mkdirProfile(specs.ActNotify, "SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagWaitKillableRecv)
	p.ListenerPath = sock
	p.ListenerMetadata = "meta-42"
	dir := filepath.Join(tmp, "d")
	r := runHelper(t, p, "exec", []string{bb, "mkdir", dir}, envMetadata+"="+p.ListenerMetadata)
	close(done)
	wg.Wait()
	got := <-result
	if got.err != nil {
		t.Fatalf("agent: %v (helper: %v, %s)", got.err, r.err, r.stderr)
	}
	if r.err != nil {
		t.Fatalf("mkdir under notify: %v\nstderr: %s", r.err, r.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("agent answered mkdir but the directory exists (stat: %v): the syscall ran", err)
	}
	if len(got.syscalls) == 0 || (got.syscalls[0] != "mkdir" && got.syscalls[0] != "mkdirat") {
		t.Fatalf("agent saw %v, want mkdir", got.syscalls)
	}
	st := got.state
	if st.Version != specs.Version || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" || st.Metadata != "meta-42" ||
		st.State.ID != "helper" || st.Pid <= 0 || uint32(st.Pid) != got.pids[0] {
		t.Fatalf("state = %+v, notified pids %v", st, got.pids)
	}
}

func TestSendNotifyErrors(t *testing.T) {
	if err := SendNotify(filepath.Join(t.TempDir(), "none.sock"), &specs.ContainerProcessState{}, os.Stdin); err == nil || !strings.Contains(err.Error(), "none.sock") {
		t.Fatalf("SendNotify to a missing socket: %v", err)
	}
	if err := SendNotify("/x", nil, nil); err == nil {
		t.Fatal("SendNotify with nil state accepted")
	}
}
