// Package integration drives the hull binary through its runc-compatible CLI.
// Run as root (make test); point HULL_BINARY at another runtime (e.g.
// /usr/sbin/runc) to validate the suite itself.
package integration

import (
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
