package clients

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

// stateDir is where podman and conmon leave the runtime's state: they pass
// no --root (conmon's final `delete --force` would ignore a --runtime-flag
// anyway), so it is the runtime's default, /run/<name>: /run/hull, or
// /run/runc when HULL_BINARY points at runc to validate these tests. It
// lies on the private /run of this package.
func (p *podman) stateDir() string { return filepath.Join("/run", filepath.Base(p.hull)) }

// podman drives podman with hull as its runtime and everything private:
// containers.conf, storage.conf, graph root, run root, tmp dir, events log.
type podman struct {
	t      *testing.T
	hull   string
	dir    string
	rootfs string
	env    []string
	global []string
	ids    []string // full ids and names of containers this test made
}

func newPodman(t *testing.T) *podman {
	t.Helper()
	needBinaries(t, "podman", "conmon")
	p := &podman{t: t, hull: testutil.BuildHull(t), dir: testutil.TempDir(t, "pm-")}
	mk := func(name string) string {
		d := filepath.Join(p.dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("mkdir %s: %v", d, err)
		}
		return d
	}
	graph, run, tmp, net := mk("graph"), mk("run"), mk("tmp"), mk("net")
	// default_ulimits: rootful podman asks for nofile/nproc 1048576,
	// more than this sandbox grants. runtime_supports_json/_nocgroup: podman
	// keys these features on the runtime's name (note: podman 4.3 reads
	// the singular "runtime_supports_nocgroup"; the plural in its shipped
	// containers.conf comment is silently ignored).
	conf := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]
netns = "none"

[engine]
runtime = "hull"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = %q
tmp_dir = %q
static_dir = %q
volume_path = %q
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "hull"]
runtime_supports_nocgroup = ["crun", "krun", "hull"]

[engine.runtimes]
hull = [%q]

[network]
network_config_dir = %q
`, filepath.Join(p.dir, "events.log"), tmp, filepath.Join(graph, "libpod"), filepath.Join(graph, "volumes"), p.hull, net)
	storage := fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n", graph, run)
	confPath, storagePath := filepath.Join(p.dir, "containers.conf"), filepath.Join(p.dir, "storage.conf")
	for path, data := range map[string]string{confPath: conf, storagePath: storage} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
	}
	p.env = []string{"CONTAINERS_CONF=" + confPath, "CONTAINERS_STORAGE_CONF=" + storagePath}
	p.global = []string{"--root", graph, "--runroot", run, "--tmpdir", tmp, "--runtime", "hull",
		"--cgroup-manager", "cgroupfs", "--storage-driver", "vfs", "--events-backend", "file"}
	p.rootfs = testutil.NewRootfs(t)
	t.Cleanup(func() {
		// A failed test may leave containers; --force stops them first.
		r := p.cmd(runOpts{}, "rm", "--all", "--force", "--time", "0")
		if r.code != 0 {
			t.Logf("cleanup: %s", r)
		}
	})
	return p
}

func (p *podman) cmd(o runOpts, args ...string) result {
	p.t.Helper()
	o.env = append(o.env, p.env...)
	argv := append([]string{"podman"}, p.global...)
	return runCmd(p.t, o, append(argv, args...)...)
}

// do runs a podman command with stdin /dev/null.
func (p *podman) do(args ...string) result {
	p.t.Helper()
	return p.cmd(runOpts{}, args...)
}

// cidfile returns a fresh --cidfile path; remember reads it after the
// command so the container's full id can be checked for leftovers.
func (p *podman) cidfile() string {
	f, err := os.CreateTemp(p.dir, "cid-")
	if err != nil {
		p.t.Fatalf("cidfile: %v", err)
	}
	f.Close()
	os.Remove(f.Name()) // podman refuses to overwrite an existing cidfile
	return f.Name()
}

// remember records the full id podman wrote to cidfile.
func (p *podman) remember(cidfile string) string {
	p.t.Helper()
	b, err := os.ReadFile(cidfile)
	if err != nil {
		p.t.Fatalf("read cidfile: %v", err)
	}
	id := strings.TrimSpace(string(b))
	p.ids = append(p.ids, id)
	return id
}

// runRm is `podman run --rm` of the busybox rootfs, returning the result;
// the container's id is remembered for the leftover check.
func (p *podman) runRm(o runOpts, flags []string, cmd ...string) result {
	p.t.Helper()
	cid := p.cidfile()
	args := append([]string{"run", "--rm", "--cidfile", cid}, flags...)
	args = append(args, "--rootfs", p.rootfs)
	r := p.cmd(o, append(args, cmd...)...)
	if _, err := os.Stat(cid); err == nil {
		p.remember(cid)
	}
	return r
}

// runDetached starts `podman run -d --name name` and returns the full id.
func (p *podman) runDetached(name string, flags []string, cmd ...string) string {
	p.t.Helper()
	cid := p.cidfile()
	args := append([]string{"run", "-d", "--name", name, "--cidfile", cid}, flags...)
	args = append(args, "--rootfs", p.rootfs)
	mustOK(p.t, p.do(append(args, cmd...)...))
	p.ids = append(p.ids, name)
	return p.remember(cid)
}

// status is podman's view of one container ("running", "paused", ...).
func (p *podman) status(name string) string {
	p.t.Helper()
	r := p.do("inspect", "--format", "{{.State.Status}}", name)
	return strings.TrimSpace(r.stdout)
}

// waitStatus polls until podman reports want.
func (p *podman) waitStatus(name, want string) {
	p.t.Helper()
	var got string
	if !waitFor(15e9, func() bool { got = p.status(name); return got == want }) {
		p.t.Fatalf("container %s: status %q, want %q", name, got, want)
	}
}

// assertClean checks podman lists no container and nothing this test's
// containers had is left: hull state, cgroups, mounts, conmon or container
// processes.
func (p *podman) assertClean() {
	p.t.Helper()
	r := p.do("ps", "--all", "--quiet")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		p.t.Errorf("podman still lists containers: %s", r)
	}
	if len(p.ids) == 0 {
		p.t.Errorf("test bug: no container id recorded, leftover check would be vacuous")
	}
	assertNoTraces(p.t, p.ids, []string{p.stateDir()}, p.rootfs)
}
