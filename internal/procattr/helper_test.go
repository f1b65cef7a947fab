package procattr

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	envAttr = "HULL_PROCATTR_HELPER" // which attribute to apply
	envSpec = "HULL_PROCATTR_SPEC"   // its JSON
	envArgv = "HULL_PROCATTR_ARGV"   // JSON argv to execve afterwards
)

// TestHelper is not a test: the real tests re-execute the test binary with
// -test.run=^TestHelper$ and envAttr set; it applies one attribute on its
// locked thread and execs a command that shows it, as the container init
// will. Run on its own it skips.
func TestHelper(t *testing.T) {
	attr := os.Getenv(envAttr)
	if attr == "" {
		t.Skip("helper process for the procattr tests")
	}
	runtime.LockOSThread()
	if err := helperMain(attr); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helperMain(attr string) error {
	raw := []byte(os.Getenv(envSpec))
	var err error
	switch attr {
	case "personality":
		var v specs.LinuxPersonality
		if err = json.Unmarshal(raw, &v); err == nil {
			err = Personality(&v)
		}
	case "scheduler":
		var v specs.Scheduler
		if err = json.Unmarshal(raw, &v); err == nil {
			err = Scheduler(&v)
		}
	case "ioprio":
		var v specs.LinuxIOPriority
		if err = json.Unmarshal(raw, &v); err == nil {
			err = IOPriority(&v)
		}
	case "mempolicy":
		var v specs.LinuxMemoryPolicy
		if err = json.Unmarshal(raw, &v); err == nil {
			err = MemoryPolicy(&v)
		}
	case "apparmor":
		var v string
		if err = json.Unmarshal(raw, &v); err == nil {
			err = AppArmor(v)
		}
	default:
		err = fmt.Errorf("unknown attribute %q", attr)
	}
	if err != nil {
		return err
	}
	var argv []string
	if err := json.Unmarshal([]byte(os.Getenv(envArgv)), &argv); err != nil {
		return fmt.Errorf("parse argv: %w", err)
	}
	return unix.Exec(argv[0], argv, os.Environ())
}

// runWith applies attribute attr=value in a helper, execs argv, and returns
// its stdout.
func runWith(t *testing.T, attr string, value any, argv ...string) string {
	t.Helper()
	v, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	a, err := json.Marshal(argv)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$")
	cmd.Env = append(os.Environ(), envAttr+"="+attr, envSpec+"="+string(v), envArgv+"="+string(a))
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s then %v: %v\nstderr: %s", attr, v, argv, err, se.String())
	}
	return so.String()
}

func busybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("busybox not installed")
	return ""
}

// statFields returns the fields of a /proc/<pid>/stat line after the
// command name; index i is field i+3 of proc(5).
func statFields(t *testing.T, stat string) []string {
	t.Helper()
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		t.Fatalf("bad stat %q", stat)
	}
	return strings.Fields(stat[i+1:])
}
