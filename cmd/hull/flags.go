package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand: its flags and what it does with them.
type command struct {
	name  string
	usage string
	// stopAtFirstArg: everything after the first positional argument is
	// passed through unparsed (exec's command line, ps's ps arguments).
	stopAtFirstArg bool
	setup          func(fs *flag.FlagSet) func(g *globals, args []string) error
}

// parseArgs parses runc-style flags: `-flag`, `--flag`, `-flag=value`,
// `--flag value`, flags between positional arguments (as urfave/cli's
// argument reordering allows), and `--` to end flags.
func parseArgs(fs *flag.FlagSet, args []string, stopAtFirstArg bool) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		if stopAtFirstArg {
			pos = append(pos, rest[1:]...)
			break
		}
		args = rest[1:]
	}
	return pos, nil
}

// alias registers the same variable under several names (-b and --bundle).
func stringFlag(fs *flag.FlagSet, p *string, names string, def, usage string) {
	for _, n := range strings.Split(names, ",") {
		fs.StringVar(p, n, def, usage)
	}
}

func boolFlag(fs *flag.FlagSet, p *bool, names string, usage string) {
	for _, n := range strings.Split(names, ",") {
		fs.BoolVar(p, n, false, usage)
	}
}

func intFlag(fs *flag.FlagSet, p *int, names string, def int, usage string) {
	for _, n := range strings.Split(names, ",") {
		fs.IntVar(p, n, def, usage)
	}
}

// stringList is a repeatable string flag (-e A -e B).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func listFlag(fs *flag.FlagSet, p *stringList, names string, usage string) {
	for _, n := range strings.Split(names, ",") {
		fs.Var(p, n, usage)
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// usageError is a command-line mistake: one line, exit 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func needArgs(cmd string, args []string, min, max int, what string) error {
	if len(args) < min || (max >= 0 && len(args) > max) {
		return &usageError{fmt.Sprintf("%s: expects %s, got %d argument(s)", cmd, what, len(args))}
	}
	return nil
}
