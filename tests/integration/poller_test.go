package integration

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-runtime/hull/tests/testutil"
)

// TestRunOpensNoPoller: up to a running container, `hull run` reads and
// writes its files through internal/rawfile, never through os.File, whose
// first open makes the Go runtime create its poller (an epoll instance and
// an eventfd, then an epoll_ctl and four fcntl per file). The CLI's open
// descriptors, read while it waits for the container, show whether it did.
func TestRunOpensNoPoller(t *testing.T) {
	t.Parallel()
	b := testutil.NewBundle(t, "sh", "-c", "echo ready; read x")
	root := testutil.Root(t)
	cmd := testutil.Command(t, testutil.BuildHull(t), root, "run", "--bundle", b.Dir, b.ID)
	startUntilReady(t, cmd, (*exec.Cmd).Start)
	dir := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, e := range ents {
		l, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue // closed meanwhile
		}
		targets = append(targets, e.Name()+" -> "+l)
		if strings.Contains(l, "eventpoll") || strings.Contains(l, "eventfd") {
			t.Errorf("hull run holds %s -> %s: the runtime's poller was created", e.Name(), l)
		}
	}
	t.Logf("hull run's descriptors: %v", targets)
}
