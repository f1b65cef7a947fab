package rootfs

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() { scenarios["real-userns"] = scenarioRealUserNS }

// TestRealUserNS runs the whole lifecycle in a real user namespace whose
// mount namespace was created inside it, so host mounts are locked: sysfs
// needs the rbind fallback, devices must be bind-mounted, and ro remounts
// must keep locked flags.
func TestRealUserNS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	mustMkdir(t, filepath.Join(rootfs, "proc"))
	mustWrite(t, filepath.Join(base, "file"), "data")
	arg, _ := json.Marshal(scenarioArgs{Rootfs: rootfs, Paths: map[string]string{"file": filepath.Join(base, "file")}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=real-userns", helperArgEnv+"="+string(arg))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID,
		Unshareflags: syscall.CLONE_NEWNS,
		UidMappings:  []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
		GidMappings:  []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}},
		Pdeathsig:    syscall.SIGKILL,
	}
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "SKIP:") {
		t.Skip(string(out))
	}
	if err != nil || !strings.Contains(string(out), "SCENARIO OK") {
		t.Fatalf("scenario: %v\n%s", err, out)
	}
}

func scenarioRealUserNS(a scenarioArgs) error {
	spec := minimalSpec(a.Rootfs)
	spec.Root.Readonly = true
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		specs.Mount{Destination: "/file", Type: "bind", Source: a.Paths["file"], Options: []string{"bind", "ro"}},
	)
	spec.Linux.MaskedPaths = []string{"/proc/kcore", "/sys/firmware"}
	spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
	err := runAll(&Config{Spec: spec, Rootfs: a.Rootfs, UserNS: true})
	if err != nil && strings.Contains(err.Error(), "(type proc)") && errors.Is(err, unix.EPERM) {
		// mount_too_revealing(): the host /proc has overmounts, so no new
		// procfs may be mounted from a user namespace on this machine.
		println("SKIP: procfs cannot be mounted in a user namespace here:", err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	ck := &check{}
	mp, err := mountsByPoint()
	if err != nil {
		return err
	}
	if m := mp["/sys"]; m == nil || !hasOpt(m.Options, "ro") {
		ck.fail("/sys not mounted read-only: %+v", m)
	}
	if mp["/dev/null"] == nil {
		ck.fail("/dev/null should be a bind mount in a user namespace")
	}
	expectErrno(ck, "write /file", writeFile("/file"), unix.EROFS)
	expectErrno(ck, "create /x", writeFile("/x"), unix.EROFS)
	expectErrno(ck, "open /proc/sys/kernel/hostname O_WRONLY", openWrite("/proc/sys/kernel/hostname"), unix.EROFS)
	if b, err := os.ReadFile("/file"); err != nil || string(b) != "data" {
		ck.fail("read /file: %q %v", b, err)
	}
	return ck.err()
}
