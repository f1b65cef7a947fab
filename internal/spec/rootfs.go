package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RootfsPath returns root.path made absolute (a relative path is relative to
// the bundle, per the runtime-spec) with symlinks resolved, and checks that it
// is a directory. Resolving once here means every later mount uses the same
// real path even if a symlink in the bundle is swapped afterwards.
//
// Load's validation and create both ask about the same *specs.Spec; the
// second answer is the first one's (a create resolved the rootfs twice:
// ten lstat and stat calls). Another Spec, even of the same bundle, is
// resolved afresh.
func RootfsPath(bundle string, s *specs.Spec) (string, error) {
	if s == nil || s.Root == nil || s.Root.Path == "" {
		return "", errors.New("root.path must be set")
	}
	lastRootfs.Lock()
	defer lastRootfs.Unlock()
	if lastRootfs.spec == s && lastRootfs.bundle == bundle && lastRootfs.path == s.Root.Path && lastRootfs.real != "" {
		return lastRootfs.real, nil
	}
	real, err := rootfsPath(bundle, s.Root.Path)
	if err == nil {
		lastRootfs.spec, lastRootfs.bundle, lastRootfs.path, lastRootfs.real = s, bundle, s.Root.Path, real
	}
	return real, err
}

// lastRootfs is RootfsPath's last answer.
var lastRootfs struct {
	sync.Mutex
	spec               *specs.Spec
	bundle, path, real string
}

func rootfsPath(bundle, p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("root.path: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("root.path: rootfs %s does not exist", abs)
		}
		return "", fmt.Errorf("root.path: resolve rootfs %s: %w", abs, unwrapPath(err))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("root.path: rootfs %s: %w", abs, unwrapPath(err))
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("root.path: rootfs %s is not a directory", abs)
	}
	return real, nil
}

// unwrapPath drops the path from a *fs.PathError so messages do not repeat it.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
