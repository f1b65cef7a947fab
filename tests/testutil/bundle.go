package testutil

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bundle is an OCI bundle on disk: Dir/config.json and Dir/rootfs.
type Bundle struct {
	Dir         string
	Rootfs      string
	ID          string // unique container id for this bundle
	CgroupsPath string // linux.cgroupsPath written by NewBundle: /hull-test-<ID>
	t           testing.TB
}

var idCounter atomic.Int64

var nonID = regexp.MustCompile(`[^a-z0-9]+`)

// NewID returns a container id unique across tests, runs and parallel test
// binaries, derived from the test name so leftovers are easy to attribute.
func NewID(t testing.TB) string {
	name := strings.Trim(nonID.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	name = strings.TrimPrefix(name, "test")
	name = strings.Trim(name, "-")
	if len(name) > 24 {
		name = name[len(name)-24:]
		name = strings.Trim(name, "-")
	}
	return fmt.Sprintf("%s-%d-%d", name, os.Getpid(), idCounter.Add(1))
}

// NewBundle builds a bundle with a busybox rootfs, runs `hull spec` in it,
// sets process.args to args (default: sh), terminal=false, root.readonly=false
// and a unique linux.cgroupsPath /hull-test-<id> so cgroup cleanup can be
// checked.
func NewBundle(t testing.TB, args ...string) *Bundle {
	t.Helper()
	if len(args) == 0 {
		args = []string{"sh"}
	}
	cache := rootfsCache(t)
	dir := TempDir(t, "b-")
	b := &Bundle{Dir: dir, Rootfs: filepath.Join(dir, "rootfs"), ID: NewID(t), t: t}
	b.CgroupsPath = "/hull-test-" + b.ID
	if out, err := exec.Command("cp", "-a", cache, b.Rootfs).CombinedOutput(); err != nil {
		t.Fatalf("copy rootfs: %v: %s", err, out)
	}
	st := stateFor(t)
	st.mu.Lock()
	st.bundles = append(st.bundles, b)
	st.mu.Unlock()

	specRoot := TempDir(t, "sr-")
	MustOK(t, HullWith(t, specRoot, Opts{Dir: dir}, "spec"))
	b.Edit(func(s *specs.Spec) {
		if s.Process == nil {
			s.Process = &specs.Process{}
		}
		s.Process.Args = args
		s.Process.Terminal = false
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		s.Linux.CgroupsPath = b.CgroupsPath
		// Writable by default so tests can leave marker files; the
		// read-only root test turns it back on.
		if s.Root == nil {
			s.Root = &specs.Root{Path: "rootfs"}
		}
		s.Root.Readonly = false
	})
	return b
}

// ConfigPath is Dir/config.json.
func (b *Bundle) ConfigPath() string { return filepath.Join(b.Dir, "config.json") }

// Spec reads and parses config.json.
func (b *Bundle) Spec() *specs.Spec {
	b.t.Helper()
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		b.t.Fatalf("read config: %v", err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		b.t.Fatalf("parse %s: %v", b.ConfigPath(), err)
	}
	return &s
}

// Edit applies fn to config.json.
func (b *Bundle) Edit(fn func(*specs.Spec)) {
	b.t.Helper()
	s := b.Spec()
	fn(s)
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		b.t.Fatalf("marshal config: %v", err)
	}
	b.WriteConfig(data)
}

// WriteConfig replaces config.json with raw bytes (for broken-config tests).
func (b *Bundle) WriteConfig(data []byte) {
	b.t.Helper()
	if err := os.WriteFile(b.ConfigPath(), data, 0o644); err != nil {
		b.t.Fatalf("write config: %v", err)
	}
}

// CgroupDirs lists the directories the bundle's cgroupsPath maps to.
func (b *Bundle) CgroupDirs() []string {
	dirs, err := CgroupDirsFor(b.CgroupsPath)
	if err != nil {
		b.t.Errorf("cgroup dirs: %v", err)
	}
	return dirs
}

func (b *Bundle) leftovers(wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		var p []string
		for _, d := range b.CgroupDirs() {
			if _, err := os.Stat(d); err == nil {
				p = append(p, "cgroup directory "+d)
			}
		}
		ms, err := mountsUnder(b.Dir)
		if err != nil {
			p = append(p, err.Error())
		}
		for _, m := range ms {
			p = append(p, "host mount "+m)
		}
		for _, pid := range procsRootedIn(b.Rootfs) {
			p = append(p, fmt.Sprintf("process %d whose root is the bundle rootfs", pid))
		}
		if len(p) == 0 || time.Now().After(deadline) {
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *Bundle) repair() {
	for _, d := range b.CgroupDirs() {
		// rmdir on cgroupfs only succeeds for an empty cgroup.
		_ = os.Remove(d)
	}
	// mounts are detached by removeAllSafe on the bundle dir.
}

// NewRootfs copies the cached busybox rootfs into a fresh directory (for
// callers like podman --rootfs that want a rootfs without a bundle).
func NewRootfs(t testing.TB) string {
	t.Helper()
	cache := rootfsCache(t)
	dst := filepath.Join(TempDir(t, "rfs-"), "rootfs")
	if out, err := exec.Command("cp", "-a", cache, dst).CombinedOutput(); err != nil {
		t.Fatalf("copy rootfs: %v: %s", err, out)
	}
	return dst
}

var (
	rootfsOnce sync.Once
	rootfsDir  string
	rootfsErr  error
)

// rootfsCache builds the busybox rootfs once per test binary.
func rootfsCache(t testing.TB) string {
	t.Helper()
	base := workDir(t)
	rootfsOnce.Do(func() {
		rootfsDir = filepath.Join(base, "rootfs-cache")
		rootfsErr = buildRootfs(rootfsDir)
	})
	if rootfsErr != nil {
		t.Fatalf("build busybox rootfs: %v", rootfsErr)
	}
	return rootfsDir
}

// StaticBusybox finds a statically linked busybox (Debian's busybox-static):
// a dynamic one would need the host's libc inside the rootfs.
func StaticBusybox() (string, error) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		static := true
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				static = false
			}
		}
		f.Close()
		if static {
			return p, nil
		}
	}
	return "", fmt.Errorf("no statically linked busybox found; install busybox-static")
}

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`

const group = `root:x:0:
daemon:x:1:
tty:x:5:
wheel:x:10:
audio:x:20:
user:x:1000:
nogroup:x:65534:
`

func buildRootfs(dir string) error {
	bb, err := StaticBusybox()
	if err != nil {
		return err
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "root", "home/user", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("mkdir %s: %w", d, err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		return fmt.Errorf("chmod tmp: %w", err)
	}
	if err := os.Chown(filepath.Join(dir, "home/user"), 1000, 1000); err != nil {
		return fmt.Errorf("chown home: %w", err)
	}
	if out, err := exec.Command("cp", bb, filepath.Join(dir, "bin/busybox")).CombinedOutput(); err != nil {
		return fmt.Errorf("copy busybox: %v: %s", err, out)
	}
	list, err := exec.Command(bb, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, rel := range strings.Fields(string(list)) {
		p := filepath.Join(dir, rel)
		if rel == "bin/busybox" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("mkdir for %s: %w", rel, err)
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !os.IsExist(err) {
			return fmt.Errorf("symlink %s: %w", rel, err)
		}
	}
	files := map[string]string{
		"etc/passwd":   passwd,
		"etc/group":    group,
		"etc/hostname": "hull\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
