package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The lookups are tested twice: through openat2 (the fast path) and through
// pathrs-lite (the ENOSYS fallback), which must agree on every case. None of
// these need root or mounts: the "host" is a temp dir next to the root.

// forEachResolver runs fn with openat2 and with the pathrs-lite fallback.
func forEachResolver(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	for _, fallback := range []bool{false, true} {
		name := "openat2"
		if fallback {
			name = "pathrs-fallback"
		}
		t.Run(name, func(t *testing.T) {
			was := noOpenat2.Load()
			noOpenat2.Store(fallback)
			t.Cleanup(func() { noOpenat2.Store(was) })
			fn(t)
		})
	}
}

// newRoot makes <tmp>/root and <tmp>/host and opens root as a lookup root.
func newRoot(t *testing.T) (root *os.File, rootPath, host string) {
	t.Helper()
	base := t.TempDir()
	rootPath, host = filepath.Join(base, "root"), filepath.Join(base, "host")
	for _, d := range []string{rootPath, host} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := openRootDir(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root, rootPath, host
}

// handlePath is where the kernel says h lives.
func handlePath(t *testing.T, h *os.File) string {
	t.Helper()
	p, err := os.Readlink(procFdPath(h))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("%s was written through a symlink: %v %v", dir, ents, err)
	}
}

func TestMkdirInRootCreatesNested(t *testing.T) {
	forEachResolver(t, func(t *testing.T) {
		root, rootPath, _ := newRoot(t)
		if err := os.Mkdir(filepath.Join(rootPath, "a"), 0o755); err != nil {
			t.Fatal(err)
		}
		h, err := mkdirInRoot(root, "a/b/c/d")
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if got, want := handlePath(t, h), filepath.Join(rootPath, "a/b/c/d"); got != want {
			t.Errorf("handle at %s, want %s", got, want)
		}
		if st, err := os.Stat(filepath.Join(rootPath, "a/b/c/d")); err != nil || !st.IsDir() {
			t.Errorf("a/b/c/d not created: %v", err)
		}
		// Existing path: the fast path returns it unchanged.
		h2, err := mkdirInRoot(root, "/a/b")
		if err != nil {
			t.Fatal(err)
		}
		h2.Close()
		// The root itself.
		h3, err := mkdirInRoot(root, "/")
		if err != nil {
			t.Fatal(err)
		}
		if got := handlePath(t, h3); got != rootPath {
			t.Errorf("mkdir / gave %s, want %s", got, rootPath)
		}
		h3.Close()
	})
}

func TestMkdirInRootSymlinksStayInside(t *testing.T) {
	forEachResolver(t, func(t *testing.T) {
		root, rootPath, host := newRoot(t)
		// abs -> / (the root), rel -> ../../.. (clamped at the root),
		// hostlink -> the host dir's absolute path (exists inside too).
		if err := os.MkdirAll(filepath.Join(rootPath, host), 0o755); err != nil {
			t.Fatal(err)
		}
		for link, target := range map[string]string{
			"abs":      "/",
			"rel":      strings.Repeat("../", 8),
			"hostlink": host,
		} {
			if err := os.Symlink(target, filepath.Join(rootPath, link)); err != nil {
				t.Fatal(err)
			}
		}
		for p, want := range map[string]string{
			"/abs/x/y":      filepath.Join(rootPath, "x/y"),
			"/rel/z":        filepath.Join(rootPath, "z"),
			"/hostlink/new": filepath.Join(rootPath, host, "new"),
		} {
			h, err := mkdirInRoot(root, p)
			if err != nil {
				t.Errorf("mkdir %s: %v", p, err)
				continue
			}
			if got := handlePath(t, h); got != want {
				t.Errorf("mkdir %s landed at %s, want %s", p, got, want)
			}
			h.Close()
		}
		assertEmpty(t, host)
	})
}

func TestMkdirInRootRefusesDanglingSymlink(t *testing.T) {
	forEachResolver(t, func(t *testing.T) {
		root, rootPath, host := newRoot(t)
		// A dangling link to the host dir's absolute path: following it
		// naively would create <host>/sub on the host.
		if err := os.Symlink(filepath.Join(host, "sub"), filepath.Join(rootPath, "dang")); err != nil {
			t.Fatal(err)
		}
		if h, err := mkdirInRoot(root, "/dang/x"); err == nil {
			h.Close()
			t.Errorf("mkdir through a dangling symlink succeeded")
		}
		assertEmpty(t, host)
	})
}

func TestMkdirInRootFileComponent(t *testing.T) {
	forEachResolver(t, func(t *testing.T) {
		root, rootPath, _ := newRoot(t)
		if err := os.WriteFile(filepath.Join(rootPath, "f"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if h, err := mkdirInRoot(root, "/f/x"); err == nil {
			h.Close()
			t.Errorf("mkdir below a regular file succeeded")
		}
		if h, err := mkdirInRoot(root, "/f"); err == nil {
			h.Close()
			t.Errorf("mkdir of an existing regular file succeeded")
		}
	})
}

func TestOpenInRoot(t *testing.T) {
	forEachResolver(t, func(t *testing.T) {
		root, rootPath, host := newRoot(t)
		if err := os.WriteFile(filepath.Join(host, "secret"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(host, "secret"), filepath.Join(rootPath, "s")); err != nil {
			t.Fatal(err)
		}
		// The link's target does not exist inside the root: ENOENT, not
		// the host file.
		if h, err := openInRoot(root, "/s"); !errors.Is(err, os.ErrNotExist) {
			if h != nil {
				t.Errorf("opened %s through an escaping symlink", handlePath(t, h))
				h.Close()
			}
			t.Errorf("open /s: err = %v, want ErrNotExist", err)
		}
		if err := os.WriteFile(filepath.Join(rootPath, "in"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := openInRoot(root, "../../../in")
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if got := handlePath(t, h); got != filepath.Join(rootPath, "in") {
			t.Errorf("../../../in resolved to %s", got)
		}
	})
}

// TestOpenInRootRefusesMagicLinks: with the host / as the root, the
// /proc/self/... magic links are real, and RESOLVE_NO_MAGICLINKS must
// refuse them (they would jump to any object regardless of the root).
func TestOpenInRootRefusesMagicLinks(t *testing.T) {
	root, err := openRootDir("/")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := "/proc/self/fd/" + strings.TrimPrefix(procFdPath(d), "/proc/self/fd/")
	if h, err := openInRoot(root, p); err == nil {
		h.Close()
		t.Fatalf("openInRoot followed the magic link %s", p)
	} else if !errors.Is(err, unix.ELOOP) {
		t.Errorf("err = %v, want ELOOP", err)
	}
	if h, err := mkdirInRoot(root, p+"/sub"); err == nil {
		h.Close()
		t.Errorf("mkdirInRoot followed the magic link %s", p)
	}
	assertEmpty(t, dir)
}

// TestMkdirOneRefusesSwappedSymlink simulates the race mkdirAllAt2 guards
// against: the component to be created is (or becomes) a symlink, even one
// that points inside the root. It must be refused, not followed.
func TestMkdirOneRefusesSwappedSymlink(t *testing.T) {
	root, rootPath, host := newRoot(t)
	if err := os.Symlink(host, filepath.Join(rootPath, "swapped")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(rootPath, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(rootPath, "inside")); err != nil {
		t.Fatal(err)
	}
	dir, err := openat2InRoot(root, "/", unix.O_DIRECTORY)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	for _, name := range []string{"swapped", "inside"} {
		h, err := mkdirOneAt2(dir, name)
		if err == nil {
			t.Errorf("%s: followed the symlink to %s", name, handlePath(t, h))
			h.Close()
			continue
		}
		if !errors.Is(err, unix.ELOOP) {
			t.Errorf("%s: err = %v, want ELOOP", name, err)
		}
	}
	assertEmpty(t, host)
	// A plain new component works and is created exactly there.
	h, err := mkdirOneAt2(dir, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := handlePath(t, h); got != filepath.Join(rootPath, "fresh") {
		t.Errorf("fresh at %s", got)
	}
}

func TestCheckUnder(t *testing.T) {
	root, rootPath, host := newRoot(t)
	in, err := mkdirInRoot(root, "/a")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := checkUnder(in, rootPath); err != nil {
		t.Errorf("handle inside: %v", err)
	}
	out, err := openRootDir(host)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := checkUnder(out, rootPath); err == nil {
		t.Errorf("handle outside the rootfs passed")
	}
	// A sibling whose name extends the root's ("root2") is outside too.
	sib := rootPath + "2"
	if err := os.Mkdir(sib, 0o755); err != nil {
		t.Fatal(err)
	}
	sh, err := openRootDir(sib)
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	if err := checkUnder(sh, rootPath); err == nil {
		t.Errorf("sibling %s passed as inside %s", sib, rootPath)
	}
	// Renamed out of the rootfs after lookup: caught.
	if err := os.Rename(filepath.Join(rootPath, "a"), filepath.Join(host, "a")); err != nil {
		t.Fatal(err)
	}
	if err := checkUnder(in, rootPath); err == nil {
		t.Errorf("handle renamed out of the rootfs passed")
	}
}

func TestReopenDir(t *testing.T) {
	root, rootPath, _ := newRoot(t)
	if err := os.WriteFile(filepath.Join(rootPath, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := reopenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil || len(names) != 1 || names[0] != "x" {
		t.Errorf("readdir of reopened handle = %v %v", names, err)
	}
}

func TestParentMayBeShared(t *testing.T) {
	for _, c := range []struct {
		prop string
		want bool
	}{
		{"", false}, // default MS_SLAVE|MS_REC
		{"rslave", false},
		{"rprivate", false},
		{"slave", true},
		{"private", true},
		{"shared", true},
		{"rshared", true},
	} {
		flags := uintptr(unix.MS_SLAVE | unix.MS_REC)
		if c.prop != "" {
			flags = propagationOpts[c.prop]
		}
		if got := parentMayBeShared(flags); got != c.want {
			t.Errorf("%q: parentMayBeShared = %v, want %v", c.prop, got, c.want)
		}
	}
}

func TestMountTableReadOnce(t *testing.T) {
	mt := &mountTable{}
	a, err := mt.get()
	if err != nil || len(a) == 0 {
		t.Fatalf("get: %d mounts, %v", len(a), err)
	}
	b, _ := mt.get()
	if &a[0] != &b[0] {
		t.Errorf("mountinfo was read twice")
	}
}
