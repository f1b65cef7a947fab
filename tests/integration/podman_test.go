package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-runtime/hull/tests/testutil"
)

// podman runs podman with hull as its OCI runtime and private
// configuration and storage, so the host's podman state is never touched.
type podman struct {
	bin, runtime string
	dir          string
	env          []string
	global       []string
}

func newPodman(t *testing.T) *podman {
	t.Helper()
	bin, err := exec.LookPath("podman")
	if err != nil {
		t.Skipf("podman not installed: %v", err)
	}
	p := &podman{bin: bin, runtime: testutil.BuildHull(t), dir: testutil.TempDir(t, "pm-")}
	d := func(name string) string {
		path := filepath.Join(p.dir, name)
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	graph, run, tmp, netcfg, rtRoot := d("graph"), d("run"), d("tmp"), d("net"), d("rt")
	conf := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=20000:20000", "nproc=3000:3000"]
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
static_dir = %q
volume_path = %q

[network]
network_config_dir = %q
`, filepath.Join(p.dir, "events.log"), tmp, filepath.Join(graph, "libpod"), filepath.Join(graph, "volumes"), netcfg)
	storage := fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n", graph, run)
	confPath, storagePath := filepath.Join(p.dir, "containers.conf"), filepath.Join(p.dir, "storage.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storagePath, []byte(storage), 0o644); err != nil {
		t.Fatal(err)
	}
	p.env = []string{"CONTAINERS_CONF=" + confPath, "CONTAINERS_STORAGE_CONF=" + storagePath}
	p.global = []string{"--runtime", p.runtime, "--cgroup-manager", "cgroupfs",
		"--root", graph, "--runroot", run, "--tmpdir", tmp, "--storage-driver", "vfs", "--events-backend", "file",
		// Rootful podman otherwise lets the runtime use its default state
		// dir (/run/runc, /run/hull) on the host.
		"--runtime-flag", "root=" + rtRoot}
	// conmon's final `delete --force` ignores --runtime-flag and uses the
	// runtime's default root; drop that dir again if this test made it.
	defRoot := filepath.Join("/run", filepath.Base(p.runtime))
	_, statErr := os.Stat(defRoot)
	t.Cleanup(func() {
		// Remove whatever a failed run left; --rm normally does it.
		_, _ = p.run(context.Background(), "rm", "--all", "--force")
		// conmon's delete missed rtRoot, so hull's state (and with it the
		// record of the libpod-<id> cgroups hull made) is still there:
		// delete each container with hull, which removes those cgroups.
		if ents, err := os.ReadDir(rtRoot); err == nil {
			for _, e := range ents {
				if _, err := os.Stat(filepath.Join(rtRoot, e.Name(), "state.json")); err != nil {
					continue // not a container (hull's seccomp cache)
				}
				if out, err := exec.Command(p.runtime, "--root", rtRoot, "delete", "--force", e.Name()).CombinedOutput(); err != nil {
					t.Errorf("hull delete --force %s: %v: %s", e.Name(), err, out)
				}
			}
		}
		if os.IsNotExist(statErr) {
			_ = os.Remove(defRoot) // rmdir: only if still empty
		}
	})
	return p
}

func (p *podman) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.bin, append(append([]string{}, p.global...), args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPodmanSmoke: podman (via conmon) drives hull end to end.
func TestPodmanSmoke(t *testing.T) {
	t.Parallel()
	p := newPodman(t)
	rootfs := testutil.NewRootfs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	out, err := p.run(ctx, "run", "--rm", "--network", "none", "--rootfs", rootfs, "echo", "hi")
	if err != nil || strings.TrimSpace(out) != "hi" {
		t.Fatalf("podman run echo hi: %v\n%s", err, out)
	}
	out, err = p.run(ctx, "run", "--rm", "--network", "none", "--rootfs", rootfs, "sh", "-c", "ulimit -n; ulimit -u")
	if err != nil || strings.TrimSpace(out) != "20000\n3000" {
		t.Errorf("podman run with containers.conf default_ulimits: %v\nwant 20000 and 3000, got:\n%s", err, out)
	}
	out, err = p.run(ctx, "run", "--rm", "--network", "none", "--rootfs", rootfs, "sh", "-c", "exit 7")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Errorf("podman run exit 7: %v\n%s", err, out)
	}
	out, err = p.run(ctx, "ps", "--all", "--quiet")
	if err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("containers left after --rm: %v %q", err, out)
	}
}
