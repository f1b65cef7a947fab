package main

import "flag"

func init() {
	register(&command{
		name:  "start",
		usage: "ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			return func(g *globals, args []string) error {
				if err := needArgs("start", args, 1, 1, "a container id"); err != nil {
					return err
				}
				return g.runtime().Start(args[0])
			}
		},
	})
}
