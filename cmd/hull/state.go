package main

import (
	"encoding/json"
	"flag"
	"os"
)

func init() {
	register(&command{
		name:  "state",
		usage: "ID",
		setup: func(fs *flag.FlagSet) func(*globals, []string) error {
			return func(g *globals, args []string) error {
				if err := needArgs("state", args, 1, 1, "a container id"); err != nil {
					return err
				}
				st, err := g.runtime().State(args[0])
				if err != nil {
					return err
				}
				return printJSON(st)
			}
		},
	})
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
