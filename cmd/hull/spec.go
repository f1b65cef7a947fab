package main

import (
	"flag"

	"github.com/hull-runtime/hull/internal/spec"
)

func init() {
	register(&command{
		name:  "spec",
		usage: "[--bundle DIR] [--rootless]",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var bundle string
			var rootless bool
			stringFlag(fs, &bundle, "bundle,b", ".", "where to write config.json")
			boolFlag(fs, &rootless, "rootless", "a spec for a rootless container")
			return func(g *globals, args []string) error {
				if err := needArgs("spec", args, 0, 0, "no arguments"); err != nil {
					return err
				}
				return spec.Write(bundle, spec.Default(rootless))
			}
		},
	})
}
