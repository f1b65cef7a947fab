package testutil

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// checkHostDevNull reports and repairs a host /dev/null that is no longer
// char 1:3, 0:0, 0666. The classic cause is a runtime fchown()ing its stdio
// to the container's root uid in a user namespace without skipping
// /dev/null (runc skips it for this reason); exec.Cmd hands the runtime the
// host /dev/null as stdin. Main verified the node before any test ran, so
// restoring owner and mode is restoring the known-good state; checking
// after every test names the test (or one running beside it) that did it.
func checkHostDevNull(t testing.TB) {
	var st unix.Stat_t
	if err := unix.Stat("/dev/null", &st); err != nil {
		t.Errorf("HOST DAMAGE: stat /dev/null: %v", err)
		return
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		t.Errorf("HOST DAMAGE: /dev/null is no longer char 1:3 (mode %o); not repairing", st.Mode)
		return
	}
	var msgs []string
	if st.Uid != 0 || st.Gid != 0 {
		msgs = append(msgs, fmt.Sprintf("owner %d:%d", st.Uid, st.Gid))
		_ = unix.Chown("/dev/null", 0, 0)
	}
	if st.Mode&0o7777 != 0o666 {
		msgs = append(msgs, fmt.Sprintf("mode %o", st.Mode&0o7777))
		_ = unix.Chmod("/dev/null", 0o666)
	}
	if len(msgs) > 0 {
		t.Errorf("HOST DAMAGE: host /dev/null got %v during this test or one running in parallel (restored to 0:0 0666)", msgs)
	}
}
