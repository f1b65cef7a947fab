package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RootfsPath returns root.path made absolute (a relative path is relative to
// the bundle, per the runtime-spec) with symlinks resolved, and checks that it
// is a directory. Resolving once here means every later mount uses the same
// real path even if a symlink in the bundle is swapped afterwards.
func RootfsPath(bundle string, s *specs.Spec) (string, error) {
	if s == nil || s.Root == nil || s.Root.Path == "" {
		return "", errors.New("root.path must be set")
	}
	p := s.Root.Path
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
