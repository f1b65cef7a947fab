package main

import (
	"flag"

	"golang.org/x/sys/unix"

	"github.com/hull-runtime/hull/internal/signals"
)

func init() {
	register(&command{
		name:  "kill",
		usage: "[--all] ID [SIGNAL]",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var all bool
			boolFlag(fs, &all, "all,a", "signal every process of the container")
			return func(g *globals, args []string) error {
				if err := needArgs("kill", args, 1, 2, "a container id and an optional signal"); err != nil {
					return err
				}
				sig := unix.SIGTERM
				if len(args) == 2 {
					s, err := signals.Parse(args[1])
					if err != nil {
						return err
					}
					sig = s
				}
				return g.runtime().Kill(args[0], sig, all)
			}
		},
	})
}
