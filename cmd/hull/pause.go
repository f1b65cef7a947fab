package main

import "flag"

func init() {
	register(&command{
		name:  "pause",
		usage: "ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			return func(g *globals, args []string) error {
				if err := needArgs("pause", args, 1, 1, "a container id"); err != nil {
					return err
				}
				return g.runtime().Pause(args[0])
			}
		},
	})
}
