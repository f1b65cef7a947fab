//go:build !cgo

package seccomp

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// errNoCgo explains why a !cgo build cannot compile profiles: libseccomp is a
// C library.
var errNoCgo = errors.New("linux.seccomp: hull was built without cgo, so without libseccomp; rebuild with CGO_ENABLED=1")

// Prepare fails for any profile in a build without libseccomp.
func Prepare(s *specs.LinuxSeccomp) (*Filter, error) {
	if s == nil {
		return nil, nil
	}
	return nil, errNoCgo
}

// Supported lists nothing: without libseccomp no profile can be compiled.
func Supported() (actions, operators, archs, flags []string) { return nil, nil, nil, nil }

// compilerID is empty: there is no compiler whose output could be cached.
func compilerID() string { return "" }
