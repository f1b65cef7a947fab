// Package testutil is the harness for hull's integration tests.
//
// It builds the hull binary once per test binary (or uses $HULL_BINARY, which
// also lets the suite be validated against runc), builds busybox bundles at
// test time, runs the CLI with a private --root per test, and after every test
// force-deletes what the test created and then proves nothing was left behind:
// no state directory, no container process, no cgroup directory, no mount under
// the bundle. Main adds host-wide guards (host /dev/null, /sys/fs/cgroup,
// hostname) around the whole package.
package testutil
