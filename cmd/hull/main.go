// Command hull is an OCI container runtime, a drop-in for runc.
//
// updatemaxprocs=0: hull sets GOMAXPROCS itself (internal/oneproc), so the
// runtime's goroutine that re-reads the cgroup CPU limit every second would
// never change anything; starting it woke a second thread in every command
// (docs/performance.md, sixth round).
//
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/hull-runtime/hull/internal/container"
	"github.com/hull-runtime/hull/internal/initproc"
	"github.com/hull-runtime/hull/internal/logging"
	_ "github.com/hull-runtime/hull/internal/nsenter" // C constructor: namespaces before the Go runtime
	_ "github.com/hull-runtime/hull/internal/oneproc" // GOMAXPROCS=1 from the runtime's start
	"github.com/hull-runtime/hull/internal/stackgrow"
	"github.com/hull-runtime/hull/internal/state"
	_ "github.com/hull-runtime/hull/internal/sysmontick" // sysmon wakes ~1/ms, not every 70 us
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "0.1.0-dev"
	commit  = "unknown"
)

// globals are the flags before the command.
type globals struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	cgroupManager string
	rootless      string
}

func (g *globals) runtime() *container.Runtime {
	rootless := g.rootless == "true" || (g.rootless == "auto" || g.rootless == "") && os.Geteuid() != 0
	return &container.Runtime{
		Store:          state.Store{Root: g.root},
		SystemdCgroup:  g.systemdCgroup || g.cgroupManager == "systemd",
		CgroupDisabled: g.cgroupManager == "disabled",
		Rootless:       rootless,
	}
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func defaultRoot() string {
	if os.Geteuid() != 0 {
		if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
			return filepath.Join(d, "hull")
		}
	}
	return "/run/hull"
}

func main() {
	// hull commands live for milliseconds: a garbage collection would cost
	// more than the memory it frees. The limit still bounds a long `run`.
	// One shallow stack growth instead of three deep ones (internal/stackgrow).
	stackgrow.To32K(len(os.Args))
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(64 << 20)
	if initproc.IsInit() {
		initproc.Main() // never returns
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	g := &globals{}
	fs := newFlagSet("hull")
	fs.StringVar(&g.root, "root", defaultRoot(), "state directory")
	fs.StringVar(&g.log, "log", "", "log file (default stderr)")
	fs.StringVar(&g.logFormat, "log-format", "text", "text or json")
	fs.BoolVar(&g.debug, "debug", false, "debug logging")
	fs.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "use the systemd cgroup driver")
	fs.StringVar(&g.cgroupManager, "cgroup-manager", "", "cgroupfs, systemd or disabled")
	fs.StringVar(&g.rootless, "rootless", "auto", "auto, true or false")
	showVersion := false
	fs.BoolVar(&showVersion, "version", false, "print the version")
	fs.BoolVar(&showVersion, "v", false, "print the version")
	help := false
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&help, "h", false, "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "hull: %v\n", err)
		return 1
	}
	if showVersion {
		printVersion()
		return 0
	}
	rest := fs.Args()
	if help || len(rest) == 0 {
		printUsage()
		if help {
			return 0
		}
		return 1
	}
	if g.logFormat != "text" && g.logFormat != "json" {
		fmt.Fprintf(os.Stderr, "hull: --log-format %q: want text or json\n", g.logFormat)
		return 1
	}
	if g.root != "" {
		if abs, err := filepath.Abs(g.root); err == nil {
			g.root = abs
		}
	}
	logger, closer, err := logging.Setup(g.log, g.logFormat, g.debug)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hull: --log %s: %v\n", g.log, err)
		return 1
	}
	defer closer.Close()
	slog.SetDefault(logger)

	cmd, ok := commands[rest[0]]
	if !ok {
		return fail(g, fmt.Errorf("unknown command %q (see hull --help)", rest[0]))
	}
	cfs := newFlagSet(cmd.name)
	body := cmd.setup(cfs)
	cmdHelp := false
	cfs.BoolVar(&cmdHelp, "help", false, "")
	cfs.BoolVar(&cmdHelp, "h", false, "")
	pos, err := parseArgs(cfs, rest[1:], cmd.stopAtFirstArg)
	if err != nil {
		return fail(g, fmt.Errorf("%s: %v", cmd.name, err))
	}
	if cmdHelp {
		fmt.Printf("Usage: hull %s %s\n\nOptions:\n", cmd.name, cmd.usage)
		cfs.SetOutput(os.Stdout)
		cfs.PrintDefaults()
		return 0
	}
	if err := body(g, pos); err != nil {
		var ex *exitCode
		if errors.As(err, &ex) {
			return ex.code
		}
		return fail(g, err)
	}
	return 0
}

// exitCode ends the process with a status and no message (run, exec).
type exitCode struct{ code int }

func (e *exitCode) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// fail reports err as one line on stderr and in the log, and returns 1.
func fail(g *globals, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if g.log != "" {
		// containerd and conmon read the last error from the log file.
		slog.Error(msg)
	}
	fmt.Fprintln(os.Stderr, msg)
	return 1
}

func printUsage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "Usage: hull [global options] COMMAND [options] [arguments]")
	fmt.Fprintln(os.Stderr, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].usage)
	}
	fmt.Fprintln(os.Stderr, "\nGlobal options: --root DIR, --log FILE, --log-format text|json, --debug, --systemd-cgroup, --rootless auto|true|false, --version")
}
