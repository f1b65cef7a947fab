package main

import (
	"flag"

	"github.com/hull-runtime/hull/internal/container"
)

func init() {
	register(&command{
		name:  "run",
		usage: "[create's options] [--detach] [--keep] [--no-subreaper] ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var o container.RunOptions
			createFlags(fs, &o.CreateOptions)
			boolFlag(fs, &o.Detach, "detach,d", "do not wait for the container")
			boolFlag(fs, &o.Keep, "keep", "keep the container after it exits")
			boolFlag(fs, &o.NoSubreaper, "no-subreaper", "do not become a subreaper")
			return func(g *globals, args []string) error {
				if err := needArgs("run", args, 1, 1, "a container id"); err != nil {
					return err
				}
				code, err := g.runtime().Run(args[0], o)
				if err != nil {
					return err
				}
				if code != 0 {
					return &exitCode{code: code}
				}
				return nil
			}
		},
	})
}
