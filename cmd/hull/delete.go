package main

import (
	"errors"
	"flag"

	"github.com/hull-runtime/hull/internal/state"
)

func init() {
	register(&command{
		name:  "delete",
		usage: "[--force] ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var force bool
			boolFlag(fs, &force, "force,f", "kill a running container first")
			return func(g *globals, args []string) error {
				if err := needArgs("delete", args, 1, 1, "a container id"); err != nil {
					return err
				}
				err := g.runtime().Delete(args[0], force)
				var ne *state.ErrNotExist
				if force && errors.As(err, &ne) {
					// runc: delete --force of an unknown container succeeds.
					return nil
				}
				return err
			}
		},
	})
}
