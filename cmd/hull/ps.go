package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/hull-runtime/hull/internal/oneproc"
)

func init() {
	register(&command{
		name:           "ps",
		usage:          "[--format table|json] ID [ps options]",
		stopAtFirstArg: true,
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var format string
			stringFlag(fs, &format, "format,f", "table", "table or json")
			return func(g *globals, args []string) error {
				if err := needArgs("ps", args, 1, -1, "a container id"); err != nil {
					return err
				}
				pids, err := g.runtime().Pids(args[0])
				if err != nil {
					return err
				}
				switch format {
				case "json":
					return printJSON(pids)
				case "table":
				default:
					return &usageError{fmt.Sprintf("ps: --format %q: want table or json", format)}
				}
				psArgs := args[1:]
				if len(psArgs) == 0 {
					psArgs = []string{"-ef"}
				}
				return psTable(pids, psArgs)
			}
		},
	})
}

// psTable runs ps(1) and keeps the header and the container's rows, as runc
// does.
func psTable(pids []int, psArgs []string) error {
	var out []byte
	// exec's goroutine drains ps's output while this one waits for it.
	oneproc.AtLeast(2)
	// ps gets the caller's CPUs, not the one hull runs on.
	err := oneproc.Unpinned(func() (err error) {
		out, err = exec.Command("ps", psArgs...).Output()
		return err
	})
	if err != nil {
		return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 0 {
		return nil
	}
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return fmt.Errorf("ps %s: output has no PID column", strings.Join(psArgs, " "))
	}
	want := map[int]bool{}
	for _, p := range pids {
		want[p] = true
	}
	var b bytes.Buffer
	b.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if p, err := strconv.Atoi(f[col]); err == nil && want[p] {
			b.WriteString(l + "\n")
		}
	}
	_, err = os.Stdout.Write(b.Bytes())
	return err
}
