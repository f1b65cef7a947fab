// Package security attacks real hull containers the way each runc CVE did
// and checks that the attack fails and the host stays untouched. See
// docs/security.md for the threat model and the mechanism behind each test.
//
// Everything runs as root in a private mount namespace (testutil.Main);
// attacks aim at victims the test makes in its own temp dirs, never at real
// host files, and the binary an attack tries to overwrite is a private copy.
package security

import (
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
