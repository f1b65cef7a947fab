package main

import (
	"flag"

	"github.com/hull-runtime/hull/internal/container"
)

func createFlags(fs *flag.FlagSet, o *container.CreateOptions) {
	stringFlag(fs, &o.Bundle, "bundle,b", ".", "bundle directory")
	stringFlag(fs, &o.PidFile, "pid-file", "", "write the init's pid to this file")
	stringFlag(fs, &o.ConsoleSocket, "console-socket", "", "unix socket that receives the pty master")
	boolFlag(fs, &o.NoPivot, "no-pivot", "use MS_MOVE and chroot instead of pivot_root")
	boolFlag(fs, &o.NoNewKeyring, "no-new-keyring", "keep the caller's session keyring")
	intFlag(fs, &o.PreserveFds, "preserve-fds", 0, "pass this many extra fds (from 3) to the container")
}

func init() {
	register(&command{
		name:  "create",
		usage: "[--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			var o container.CreateOptions
			createFlags(fs, &o)
			return func(g *globals, args []string) error {
				if err := needArgs("create", args, 1, 1, "a container id"); err != nil {
					return err
				}
				_, err := g.runtime().Create(args[0], o)
				return err
			}
		},
	})
}
